//! Sends to a group (`recipient_type: group`, `to` a group id of the Groups API) and pins,
//! which only groups have (Meta's groups messaging guide).
//!
//! The group must be one the sending number made (131009 otherwise); the model already
//! refused the types a group does not take (131051). A pin of a message that was not sent to
//! the group is accepted and then reported `failed` (131009), as a reaction to an unknown
//! message is: Meta learns it only when it delivers. Which messages are pinned is not kept:
//! no Graph call reads it back.

use axum::Json;
use axum::response::{IntoResponse, Response};
use wabagate_model::error_code;
use wabagate_model::message::{MessageContent, OutgoingMessage, Pin};
use wabagate_model::responses::SendMessageResponse;

use super::error::GraphError;
use super::messages::{Accepted, accept, check_media, check_template, check_throughput};
use super::request::GraphCall;
use crate::business::PhoneNumber;
use crate::events::AsyncError;
use crate::ids::new_wamid;
use crate::state::SandboxState;

pub(super) fn send(
    state: &SandboxState,
    call: &GraphCall,
    phone_number: &PhoneNumber,
    message: OutgoingMessage,
) -> Result<Response, GraphError> {
    let group = state.groups().get(&message.to).filter(|group| group.phone_number_id == phone_number.id);
    let Some(group) = group else {
        return Err(GraphError::whatsapp(
            error_code::PARAMETER_VALUE_INVALID,
            format!("Group {} does not exist or this phone number is not in it.", message.to),
        ));
    };
    check_media(state, phone_number, &message.content)?;
    if let MessageContent::Template(template) = &message.content {
        check_template(state, phone_number, template)?;
    }
    check_throughput(state, phone_number)?;
    let failure = match &message.content {
        MessageContent::Pin(pin) if !was_sent_to(state, phone_number, &group.id, pin) => Some(AsyncError {
            code: error_code::PARAMETER_VALUE_INVALID.code,
            title: error_code::PARAMETER_VALUE_INVALID.title.into(),
            message: error_code::PARAMETER_VALUE_INVALID.title.into(),
            details: format!("The message {} is not a message of group {}.", pin.message_id(), group.id),
        }),
        _ => None,
    };
    let wamid = new_wamid(&group.id);
    let response = SendMessageResponse::to_group(&group.id, &wamid);
    accept(state, call, phone_number, Accepted { wamid, recipient: group.id, message, failure });
    Ok(Json(response).into_response())
}

/// Whether the pinned message is one this number sent to the group (among the sends the
/// sandbox still remembers).
fn was_sent_to(state: &SandboxState, phone_number: &PhoneNumber, group_id: &str, pin: &Pin) -> bool {
    state
        .sent()
        .entries()
        .iter()
        .any(|sent| sent.wamid == pin.message_id() && sent.phone_number_id == phone_number.id && sent.wa_id == group_id)
}
