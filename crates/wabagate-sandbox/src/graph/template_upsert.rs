//! `POST /{waba_id}/upsert_message_templates`: Meta's bulk management of authentication
//! templates. One definition goes to every language of `languages`; a template of that name
//! and language is updated (and reviewed again), any other is created. The answer lists
//! each language's template: `{"data": [{"id", "status", "language"}]}`.

use axum::Json;
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use wabagate_model::template::{TemplateCategory, TemplateDefinition, TemplateStatus};

use super::error::GraphError;
use super::request::GraphCall;
use super::templates::{as_template_error, in_review, template_error};
use super::{MANAGEMENT, params};
use crate::business::Waba;
use crate::state::SandboxState;
use crate::templates::{StoredTemplate, normalise};

/// The most languages one call takes (a bound of ours: Meta supports about 70 locales).
const MAX_LANGUAGES: usize = 100;

pub(super) async fn upsert(
    state: &SandboxState,
    call: &GraphCall,
    waba: &Waba,
    body: Body,
) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT])?;
    let body = params::read_body(call, body).await?;
    let name = params::text(&body, "name")?;
    let languages = params::array(&body, "languages")?.unwrap_or_default();
    if languages.is_empty() || languages.len() > MAX_LANGUAGES {
        return Err(GraphError::invalid_parameter(format!(
            "Param languages must hold 1 to {MAX_LANGUAGES} language codes."
        )));
    }
    let mut definitions = Vec::with_capacity(languages.len());
    for language in &languages {
        let Some(language) = language.as_str() else {
            return Err(GraphError::invalid_parameter("Param languages must hold language codes."));
        };
        let definition = definition_in(&body, name, language)?;
        let category = definition.validate().map_err(|error| template_error(&error))?;
        if category != TemplateCategory::Authentication {
            return Err(as_template_error(GraphError::invalid_parameter(
                "Only authentication templates can be upserted; category must be AUTHENTICATION.",
            )));
        }
        definitions.push((definition, category));
    }
    let mut data = Vec::with_capacity(definitions.len());
    for (definition, category) in definitions {
        let language = definition.language.clone();
        let stored = match state.templates().find(&waba.id, name, &language) {
            Some(existing) => replace(state, call, &existing, definition, category),
            None => {
                let template = in_review(state, call, &waba.id, definition, category);
                // A concurrent create of the same name and language wins; its template is listed.
                state.templates().create(template).ok().or_else(|| state.templates().find(&waba.id, name, &language))
            }
        };
        if let Some(stored) = stored {
            data.push(json!({"id": stored.id, "status": stored.status.as_str(), "language": language}));
        }
    }
    if state.config().template_approval_delay.is_zero() {
        state.settle_template_reviews();
    }
    Ok(Json(json!({"data": data})).into_response())
}

/// The call's definition in one language.
fn definition_in(body: &Map<String, Value>, name: &str, language: &str) -> Result<TemplateDefinition, GraphError> {
    let mut json = json!({
        "name": name,
        "language": language,
        "category": body.get("category").cloned().unwrap_or(Value::Null),
        "components": params::array(body, "components")?.map(Value::Array).unwrap_or(Value::Null),
    });
    if let Some(ttl) = body.get("message_send_ttl_seconds") {
        json["message_send_ttl_seconds"] = ttl.clone();
    }
    TemplateDefinition::from_json(json).map_err(|error| as_template_error(GraphError::from_violation(&error)))
}

/// An existing template with the new definition, back in review.
fn replace(
    state: &SandboxState,
    call: &GraphCall,
    existing: &StoredTemplate,
    definition: TemplateDefinition,
    category: TemplateCategory,
) -> Option<StoredTemplate> {
    let fresh = in_review(state, call, &existing.waba_id, definition, category);
    state.templates().update(&existing.id, |stored| {
        stored.definition = normalise(fresh.definition);
        stored.category = fresh.category;
        stored.status = TemplateStatus::Pending;
        stored.rejected_reason = None;
        stored.review_due_at = fresh.review_due_at;
        stored.review_outcome = fresh.review_outcome;
        stored.updated_at = call.now;
        stored.clone()
    })
}
