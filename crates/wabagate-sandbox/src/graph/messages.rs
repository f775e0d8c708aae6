//! `POST /{phone_number_id}/messages`: sends and read receipts (whatsapp-cloud-api.md §2).
//!
//! Order of checks, as Meta reports them: body shape and message rules (100, 131008,
//! 131009, 131051), recipient (131009, 131021), referenced media and templates (131053,
//! 132xxx), then throughput (130429) and the pair rate (131056). What Meta only learns
//! later (window closed, recipient not on WhatsApp) is accepted and reported as a failed
//! status through the event bus. Sends to a group are checked in `group_messages` instead.

use axum::Json;
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use wabagate_model::error_code;
use wabagate_model::message::{MessageContent, MessageRequest, OutgoingMessage, TemplateMessage};
use wabagate_model::phone::normalize_recipient;
use wabagate_model::responses::SendMessageResponse;
use wabagate_model::template::{ParameterMismatch, TemplateStatus, check_parameters};

use super::MESSAGING;
use super::error::GraphError;
use super::request::GraphCall;
use crate::business::PhoneNumber;
use crate::events::{AsyncError, SandboxEvent};
use crate::ids::new_wamid;
use crate::sent_log::AcceptedMessage;
use crate::state::SandboxState;

/// JSON bodies of Graph calls are small; anything larger is not a message.
const JSON_BODY_LIMIT: usize = 1024 * 1024;

pub(super) async fn send(
    state: &SandboxState,
    call: &GraphCall,
    phone_number: &PhoneNumber,
    body: Body,
) -> Result<Response, GraphError> {
    call.require_any(&[MESSAGING])?;
    let value = read_json_body(call, body).await?;
    let message = match MessageRequest::from_json(value).map_err(|error| GraphError::from_violation(&error))? {
        MessageRequest::MarkRead(receipt) => {
            receipt.validate().map_err(|error| GraphError::from_violation(&error))?;
            return Ok(Json(json!({"success": true})).into_response());
        }
        MessageRequest::Send(message) => message,
    };
    message.validate().map_err(|error| GraphError::from_violation(&error))?;
    if message.is_group() {
        return super::group_messages::send(state, call, phone_number, message);
    }
    let wa_id = normalize_recipient(&message.to, &phone_number.country_dial_code)
        .map_err(|error| GraphError::from_violation(&error))?;
    if wa_id == phone_number.wa_id() {
        return Err(GraphError::whatsapp(
            error_code::RECIPIENT_IS_SENDER,
            "The recipient phone number is the sender's own number.",
        ));
    }
    check_media(state, phone_number, &message.content)?;
    super::send_setup::check(state, phone_number, &message.content)?;
    if let MessageContent::Template(template) = &message.content {
        check_template(state, phone_number, template)?;
    }
    check_throughput(state, phone_number)?;
    if !state.pair_rate().check(&(phone_number.id.clone(), wa_id.clone())) {
        return Err(GraphError::whatsapp(
            error_code::PAIR_RATE_LIMIT_HIT,
            "Message failed to send because there were too many messages sent from this phone number to the same phone \
             number in a short period of time.",
        ));
    }
    let failure = later_failure(state, call, phone_number, &wa_id, &message)?;
    let wamid = new_wamid(&wa_id);
    let response = SendMessageResponse::new(message.to.clone(), wa_id.clone(), wamid.clone());
    accept(state, call, phone_number, Accepted { wamid, recipient: wa_id, message, failure });
    Ok(Json(response).into_response())
}

/// The number's messages per second (130429), groups included.
pub(super) fn check_throughput(state: &SandboxState, phone_number: &PhoneNumber) -> Result<(), GraphError> {
    if state.throughput().check(&phone_number.id) {
        return Ok(());
    }
    Err(GraphError::whatsapp(error_code::RATE_LIMIT_HIT, "Cloud API message throughput has been reached.")
        .with_subcode(2494055))
}

/// Reads a JSON body, or a form-encoded one whose values may themselves be JSON (Graph
/// accepts both for POSTs).
pub(super) async fn read_json_body(call: &GraphCall, body: Body) -> Result<Value, GraphError> {
    let bytes = axum::body::to_bytes(body, JSON_BODY_LIMIT)
        .await
        .map_err(|_| GraphError::unparsable_body("the body is larger than 1 MiB"))?;
    if call.content_type().as_deref() == Some("application/x-www-form-urlencoded") {
        let object: Map<String, Value> = url::form_urlencoded::parse(&bytes)
            .map(|(key, value)| {
                let parsed = if value.starts_with(['{', '[']) { serde_json::from_str(&value).ok() } else { None };
                (key.into_owned(), parsed.unwrap_or_else(|| Value::String(value.into_owned())))
            })
            .collect();
        return Ok(Value::Object(object));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Map::new()));
    }
    serde_json::from_slice(&bytes).map_err(|error| GraphError::unparsable_body(&error.to_string()))
}

pub(super) fn check_media(
    state: &SandboxState,
    phone_number: &PhoneNumber,
    content: &MessageContent,
) -> Result<(), GraphError> {
    let Some(media_id) = content.media_id() else { return Ok(()) };
    match state.media().get(media_id) {
        Some(media) if media.waba_id == phone_number.waba_id => Ok(()),
        _ => Err(GraphError::whatsapp(
            error_code::MEDIA_UPLOAD_ERROR,
            format!("Media id {media_id} does not exist or has been deleted."),
        )),
    }
}

pub(super) fn check_template(
    state: &SandboxState,
    phone_number: &PhoneNumber,
    message: &TemplateMessage,
) -> Result<(), GraphError> {
    state.settle_template_reviews();
    let language = &message.language.code;
    let template = state.templates().find(&phone_number.waba_id, &message.name, language);
    let template = match template {
        Some(template) if template.status == TemplateStatus::Approved => template,
        Some(template) if template.status == TemplateStatus::Paused => {
            return Err(GraphError::whatsapp(
                error_code::TEMPLATE_PAUSED,
                format!("Template {} is paused.", message.name),
            ));
        }
        Some(template) if template.status == TemplateStatus::Disabled => {
            return Err(GraphError::whatsapp(
                error_code::TEMPLATE_DISABLED,
                format!("Template {} is disabled.", message.name),
            ));
        }
        _ => {
            return Err(GraphError::whatsapp(
                error_code::TEMPLATE_DOES_NOT_EXIST,
                format!("template name ({}) does not exist in {language}", message.name),
            ));
        }
    };
    check_parameters(&template.definition, message).map_err(|mismatch| match &mismatch {
        ParameterMismatch::Count { .. } => {
            GraphError::whatsapp(error_code::TEMPLATE_PARAM_COUNT_MISMATCH, mismatch.to_string())
        }
        ParameterMismatch::Format { .. } => {
            GraphError::whatsapp(error_code::TEMPLATE_PARAM_FORMAT_MISMATCH, mismatch.to_string())
        }
    })
}

/// What Meta will report as a `failed` status instead of delivering: a free-form message
/// outside the customer service window (131047), a recipient not on WhatsApp (131026), or
/// a reaction to a message the sandbox does not know (131009).
/// With `window_errors_sync` the window error is answered at once instead.
fn later_failure(
    state: &SandboxState,
    call: &GraphCall,
    phone_number: &PhoneNumber,
    wa_id: &str,
    message: &OutgoingMessage,
) -> Result<Option<AsyncError>, GraphError> {
    let config = state.config();
    if config.undeliverable_prefix.as_deref().is_some_and(|prefix| wa_id.starts_with(prefix)) {
        return Ok(Some(AsyncError {
            code: error_code::MESSAGE_UNDELIVERABLE.code,
            title: error_code::MESSAGE_UNDELIVERABLE.title.into(),
            message: error_code::MESSAGE_UNDELIVERABLE.title.into(),
            details: "Message Undeliverable.".into(),
        }));
    }
    if let MessageContent::Reaction(reaction) = &message.content {
        if !crate::webhooks::is_known_message(state, &phone_number.id, &reaction.message_id) {
            return Ok(Some(AsyncError {
                code: error_code::PARAMETER_VALUE_INVALID.code,
                title: error_code::PARAMETER_VALUE_INVALID.title.into(),
                message: error_code::PARAMETER_VALUE_INVALID.title.into(),
                details: format!("The message {} to react to does not exist.", reaction.message_id),
            }));
        }
    }
    if message.needs_open_window() && !state.windows().is_open(&phone_number.id, wa_id, call.now) {
        let details = "Message failed to send because more than 24 hours have passed since the customer last replied to \
                       this number.";
        if config.window_errors_sync {
            return Err(GraphError::whatsapp(error_code::RE_ENGAGEMENT_MESSAGE, details));
        }
        return Ok(Some(AsyncError {
            code: error_code::RE_ENGAGEMENT_MESSAGE.code,
            title: error_code::RE_ENGAGEMENT_MESSAGE.title.into(),
            message: error_code::RE_ENGAGEMENT_MESSAGE.title.into(),
            details: details.into(),
        }));
    }
    Ok(None)
}

/// A send the sandbox took: its new wamid, who it goes to (a `wa_id` or a group id), and
/// the failure Meta would report later, if any.
pub(super) struct Accepted {
    pub wamid: String,
    pub recipient: String,
    pub message: OutgoingMessage,
    pub failure: Option<AsyncError>,
}

/// Records an accepted send and publishes it, so its statuses follow.
pub(super) fn accept(state: &SandboxState, call: &GraphCall, phone_number: &PhoneNumber, accepted: Accepted) {
    let Accepted { wamid, recipient, message, failure } = accepted;
    state.events().publish(SandboxEvent::MessageAccepted {
        waba_id: phone_number.waba_id.clone(),
        phone_number_id: phone_number.id.clone(),
        display_phone_number: phone_number.display_phone_number.clone(),
        wamid: wamid.clone(),
        recipient_wa_id: recipient.clone(),
        failure: failure.clone(),
        message_type: message.content.type_name().to_owned(),
        biz_opaque_callback_data: message.biz_opaque_callback_data.clone(),
        to_group: message.is_group(),
    });
    state.sent().push(AcceptedMessage {
        wamid,
        phone_number_id: phone_number.id.clone(),
        waba_id: phone_number.waba_id.clone(),
        input: message.to.clone(),
        wa_id: recipient,
        kind: message.content.type_name(),
        timestamp: call.now,
        failure,
        message,
    });
}
