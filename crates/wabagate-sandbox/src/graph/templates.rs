//! `GET`, `POST` and `DELETE /{waba_id}/message_templates` and `GET /{template_id}`
//! (whatsapp-cloud-api.md §4).

use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use wabagate_model::error_code::template_subcode;
use wabagate_model::template::{
    TemplateCategory, TemplateDefinition, TemplateError, TemplatePart, TemplateStatus, check_examples,
};
use wabagate_model::{ValidationError, Violation};

use super::error::GraphError;
use super::paging::{self, PageSize};
use super::request::GraphCall;
use super::{MANAGEMENT, MESSAGING, fields, messages, nodes};
use crate::business::Waba;
use crate::state::SandboxState;
use crate::templates::{CreateRejection, StoredTemplate, normalise};

const PAGE_SIZE: PageSize = PageSize { default: 25, max: 1000 };
/// Templates a WABA may hold (Meta's 250; error 2388019 past it).
const MESSAGE_TEMPLATE_LIMIT: usize = 250;

fn render(call: &GraphCall, template: &StoredTemplate) -> Result<Map<String, Value>, GraphError> {
    nodes::template::render(template, &fields::requested(call, nodes::template::DEFAULT_FIELDS)?)
}

pub(super) fn get_one(
    state: &SandboxState,
    call: &GraphCall,
    template: &StoredTemplate,
) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT, MESSAGING])?;
    state.settle_template_reviews();
    let current = state.templates().get(&template.id).unwrap_or_else(|| template.clone());
    Ok(Json(render(call, &current)?).into_response())
}

pub(super) fn list(state: &SandboxState, call: &GraphCall, waba: &Waba) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT, MESSAGING])?;
    state.settle_template_reviews();
    let statuses = match call.query("status") {
        None => None,
        Some(list) => Some(
            list.split(',')
                .map(|status| TemplateStatus::parse(status).ok_or_else(|| invalid_filter("status", status)))
                .collect::<Result<Vec<_>, _>>()?,
        ),
    };
    let matches = |template: &StoredTemplate| {
        call.query("name").is_none_or(|name| template.definition.name == name)
            && call.query("language").is_none_or(|language| template.definition.language == language)
            && call.query("category").is_none_or(|categories| {
                categories.split(',').any(|category| category.trim().eq_ignore_ascii_case(template.category.as_str()))
            })
            && statuses.as_ref().is_none_or(|statuses| statuses.contains(&template.status))
    };
    let all: Vec<StoredTemplate> = state.templates().list(&waba.id).into_iter().filter(matches).collect();
    let ids: Vec<&str> = all.iter().map(|template| template.id.as_str()).collect();
    let page = paging::page(state, call, &ids, &PAGE_SIZE, &format!("{}/message_templates", waba.id))?;
    let data = all[page.range]
        .iter()
        .map(|template| render(call, template).map(Value::Object))
        .collect::<Result<Vec<_>, _>>()?;
    let mut body = json!({"data": data});
    if let Some(paging) = page.paging {
        body["paging"] = paging;
    }
    if let Some(names) = call.query("summary") {
        body["summary"] = summary(names, all.len(), state.templates().list(&waba.id).len());
    }
    Ok(Json(body).into_response())
}

/// Graph's `summary=` on the edge: the aggregates asked for, over every match (not only
/// this page). Names the edge does not aggregate are left out, as Graph leaves them out.
fn summary(names: &str, matches: usize, in_waba: usize) -> Value {
    let mut summary = Map::new();
    for name in names.split(',').map(str::trim) {
        let value = match name {
            "total_count" => json!(matches),
            "message_template_count" => json!(in_waba),
            "message_template_limit" => json!(MESSAGE_TEMPLATE_LIMIT),
            // Every template the sandbox holds is one whole translation.
            "are_translations_complete" => json!(true),
            _ => continue,
        };
        summary.insert(name.to_owned(), value);
    }
    Value::Object(summary)
}

fn invalid_filter(name: &str, value: &str) -> GraphError {
    GraphError::invalid_parameter(format!("Param {name} has an invalid value '{value}'."))
}

pub(super) async fn create(
    state: &SandboxState,
    call: &GraphCall,
    waba: &Waba,
    body: Body,
) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT])?;
    let value = messages::read_json_body(call, body).await?;
    let definition =
        TemplateDefinition::from_json(value).map_err(|error| as_template_error(GraphError::from_violation(&error)))?;
    let category = definition.validate().map_err(|error| template_error(&error))?;
    if state.config().require_template_examples {
        check_examples(&definition).map_err(|error| template_error(&error))?;
    }
    let config = state.config();
    let template = in_review(state, call, &waba.id, definition, category);
    let stored = state.templates().create(template).map_err(|CreateRejection::NameExistsInLanguage| {
        let error = GraphError::invalid_parameter("Content in this language already exists.")
            .with_subcode(template_subcode::NAME_EXISTS_IN_LANGUAGE)
            .with_user_message(
                "Content in This Language Already Exists",
                "There is already content in this language for this template. You can create a new template and try again.",
            );
        as_template_error(error)
    })?;
    if config.template_approval_delay == Duration::ZERO {
        state.settle_template_reviews();
    }
    Ok(Json(json!({"id": stored.id, "status": TemplateStatus::Pending.as_str(), "category": stored.category.as_str()}))
        .into_response())
}

/// A new template of the WABA, `PENDING` until the approval delay has passed.
pub(super) fn in_review(
    state: &SandboxState,
    call: &GraphCall,
    waba_id: &str,
    definition: TemplateDefinition,
    category: TemplateCategory,
) -> StoredTemplate {
    let config = state.config();
    let rejected = config.template_reject_marker.as_deref().is_some_and(|marker| definition.name.contains(marker));
    let delay = i64::try_from(config.template_approval_delay.as_secs()).unwrap_or(i64::MAX);
    StoredTemplate {
        id: state.ids().next_id(),
        waba_id: waba_id.to_owned(),
        definition: normalise(definition),
        category,
        status: TemplateStatus::Pending,
        rejected_reason: None,
        review_due_at: Some(call.now.saturating_add(delay)),
        review_outcome: if rejected { TemplateStatus::Rejected } else { TemplateStatus::Approved },
        updated_at: call.now,
        edits: Vec::new(),
        status_before_archive: None,
    }
}

/// Template-management errors carry Meta's plain "Invalid parameter" message and a title
/// for end users.
pub(super) fn as_template_error(mut error: GraphError) -> GraphError {
    error.error.message = "Invalid parameter".into();
    error.error.is_transient = Some(false);
    error
}

pub(super) fn template_error(rejection: &TemplateError) -> GraphError {
    let ValidationError { violation, .. } = &rejection.error;
    let details = rejection.error.details();
    let (subcode, title) = match (rejection.part, violation) {
        (_, Violation::TooLong { .. }) => (Some(template_subcode::FIELD_TOO_LONG), "Character Limit Exceeded"),
        (_, Violation::VariableAtEdge) => {
            (Some(template_subcode::VARIABLE_AT_EDGE), "Variables can't be at the start or end of the template")
        }
        (TemplatePart::Header, _) => (Some(template_subcode::HEADER_FORMAT_INVALID), "Header Format Is Incorrect"),
        (TemplatePart::Body, _) => (Some(template_subcode::BODY_FORMAT_INVALID), "Body Format Is Incorrect"),
        (TemplatePart::Footer, _) => (Some(template_subcode::FOOTER_FORMAT_INVALID), "Footer Format Is Incorrect"),
        _ => (None, "Invalid parameter"),
    };
    let mut error = GraphError::invalid_parameter(details.clone()).with_user_message(title, details);
    if let Some(subcode) = subcode {
        error = error.with_subcode(subcode);
    }
    as_template_error(error)
}

pub(super) fn delete(state: &SandboxState, call: &GraphCall, waba: &Waba) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT])?;
    if let Some(raw) = call.query("hsm_ids") {
        if call.query("name").is_some() || call.query("hsm_id").is_some() {
            return Err(GraphError::invalid_parameter("Param hsm_ids can't be combined with name or hsm_id."));
        }
        let ids = super::template_admin::hsm_ids(&json!(raw))?;
        if !state.templates().delete_ids(&waba.id, &ids) {
            let error = GraphError::invalid_parameter(
                "One or more of the hsm_ids is not a template of this WhatsApp Business Account.",
            )
            .with_user_message("Message Template Not Found", "One or more of the templates could not be found.");
            return Err(as_template_error(error));
        }
        return Ok(Json(json!({"success": true})).into_response());
    }
    let Some(name) = call.query("name").filter(|name| !name.is_empty()) else {
        return Err(GraphError::missing_parameter("name"));
    };
    let deleted = state.templates().delete(&waba.id, name, call.query("hsm_id"));
    if deleted == 0 {
        let error = GraphError::invalid_parameter(format!("Message template \"{name}\" not found.")).with_user_message(
            "Message Template Not Found",
            format!("The message template {name} could not be found."),
        );
        return Err(as_template_error(error));
    }
    Ok(Json(json!({"success": true})).into_response())
}
