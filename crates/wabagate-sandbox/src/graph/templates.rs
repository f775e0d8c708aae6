//! `GET`, `POST` and `DELETE /{waba_id}/message_templates` and `GET /{template_id}`
//! (whatsapp-cloud-api.md §4).

use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};
use wabagate_model::error_code::template_subcode;
use wabagate_model::template::{TemplateDefinition, TemplateError, TemplatePart, TemplateStatus, check_examples};
use wabagate_model::{ValidationError, Violation};

use super::error::GraphError;
use super::request::GraphCall;
use super::{MANAGEMENT, MESSAGING, fields, messages};
use crate::business::Waba;
use crate::state::SandboxState;
use crate::templates::{CreateRejection, StoredTemplate, TEMPLATE_DEFAULT_FIELDS, graph_id_order, normalise};

const NODE_TYPE: &str = "WhatsAppBusinessHSM";
const DEFAULT_PAGE_SIZE: usize = 25;
const MAX_PAGE_SIZE: usize = 1000;

/// An opaque paging cursor for a Graph id, shaped like Meta's base64 cursors.
pub(super) fn cursor(id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("sandbox:{id}"))
}

fn id_of_cursor(cursor: &str) -> Option<String> {
    let decoded = URL_SAFE_NO_PAD.decode(cursor.trim_end_matches('=')).ok()?;
    String::from_utf8(decoded).ok()?.strip_prefix("sandbox:").map(str::to_owned)
}

fn render(call: &GraphCall, template: &StoredTemplate) -> Result<Map<String, Value>, GraphError> {
    let requested = fields::requested(call, TEMPLATE_DEFAULT_FIELDS);
    fields::select(&requested, NODE_TYPE, |name| template.field(name).map(Some))
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
    let limit = match call.query("limit") {
        None => DEFAULT_PAGE_SIZE,
        Some(limit) => match limit.parse::<usize>() {
            Ok(limit) if limit >= 1 => limit.min(MAX_PAGE_SIZE),
            _ => {
                return Err(GraphError::invalid_parameter(format!(
                    "Param limit must be a positive integer, got '{limit}'."
                )));
            }
        },
    };
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
    let after = call.query("after").map(|cursor| id_of_cursor(cursor).ok_or_else(|| invalid_filter("after", cursor)));
    let before =
        call.query("before").map(|cursor| id_of_cursor(cursor).ok_or_else(|| invalid_filter("before", cursor)));
    let (start, end) = match (after.transpose()?, before.transpose()?) {
        (Some(after), _) => {
            let start = all
                .iter()
                .position(|template| graph_id_order(&template.id) > graph_id_order(&after))
                .unwrap_or(all.len());
            (start, (start + limit).min(all.len()))
        }
        (None, Some(before)) => {
            let end = all
                .iter()
                .position(|template| graph_id_order(&template.id) >= graph_id_order(&before))
                .unwrap_or(all.len());
            (end.saturating_sub(limit), end)
        }
        (None, None) => (0, limit.min(all.len())),
    };
    let page = &all[start..end];
    let data = page.iter().map(|template| render(call, template).map(Value::Object)).collect::<Result<Vec<_>, _>>()?;
    let mut body = json!({"data": data});
    if let (Some(first), Some(last)) = (page.first(), page.last()) {
        let mut paging = json!({"cursors": {"before": cursor(&first.id), "after": cursor(&last.id)}});
        if end < all.len() {
            paging["next"] = json!(page_link(state, call, waba, "after", &cursor(&last.id), limit));
        }
        if start > 0 {
            paging["previous"] = json!(page_link(state, call, waba, "before", &cursor(&first.id), limit));
        }
        body["paging"] = paging;
    }
    Ok(Json(body).into_response())
}

fn invalid_filter(name: &str, value: &str) -> GraphError {
    GraphError::invalid_parameter(format!("Param {name} has an invalid value '{value}'."))
}

/// The URL of a neighbouring page: the same query with the cursor replaced (no token).
fn page_link(
    state: &SandboxState,
    call: &GraphCall,
    waba: &Waba,
    direction: &str,
    cursor: &str,
    limit: usize,
) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in &call.query {
        if !matches!(name.as_str(), "after" | "before" | "limit" | "access_token") {
            query.append_pair(name, value);
        }
    }
    query.append_pair("limit", &limit.to_string());
    query.append_pair(direction, cursor);
    format!("{}/{}/{}/message_templates?{}", state.public_url(), call.version, waba.id, query.finish())
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
    let rejected = config.template_reject_marker.as_deref().is_some_and(|marker| definition.name.contains(marker));
    let delay = i64::try_from(config.template_approval_delay.as_secs()).unwrap_or(i64::MAX);
    let template = StoredTemplate {
        id: state.ids().next_id(),
        waba_id: waba.id.clone(),
        definition: normalise(definition),
        category,
        status: TemplateStatus::Pending,
        rejected_reason: None,
        review_due_at: Some(call.now.saturating_add(delay)),
        review_outcome: if rejected { TemplateStatus::Rejected } else { TemplateStatus::Approved },
    };
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

/// Template-management errors carry Meta's plain "Invalid parameter" message and a title
/// for end users.
fn as_template_error(mut error: GraphError) -> GraphError {
    error.error.message = "Invalid parameter".into();
    error.error.is_transient = Some(false);
    error
}

fn template_error(rejection: &TemplateError) -> GraphError {
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
