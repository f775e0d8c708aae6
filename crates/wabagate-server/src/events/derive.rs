//! The outbound events of Meta's webhook items. Each event's id derives from the item
//! (wamid and status; template id, event and entry time), so a redelivered or re-batched
//! item is the same event, published once. The body is
//! `{"type","timestamp","data":{connection_id,phone_number_id,waba_id,message|template,raw}}`,
//! `raw` being Meta's item as received.

use serde_json::{Value, json};
use wabagate_model::webhook::{Entry, InboundMessage, Status, TemplateStatusUpdate};
use wabagate_store::{NewOutboundEvent, Route, Timestamp};

/// `message.received` for a customer's message.
pub(crate) fn message_received(
    route: Route,
    entry: &Entry,
    phone_number_id: &str,
    message: &InboundMessage,
    now: Timestamp,
) -> NewOutboundEvent {
    let summary = json!({
        "id": message.wamid,
        "direction": "inbound",
        "from": message.from,
        "type": message.message_type,
        "timestamp": message.timestamp,
        "profile_name": message.profile_name,
        "reply_to": message.reply_to,
    });
    let data = data(route, Some(phone_number_id), &entry.id, "message", summary, &message.raw);
    NewOutboundEvent::new("message.received", &[&message.wamid], Some(phone_number_id), data, now)
}

/// `message.sent|delivered|read|failed` for a status; `None` for statuses that have no event
/// (e.g. `played`).
pub(crate) fn message_status(
    route: Route,
    entry: &Entry,
    phone_number_id: &str,
    status: &Status,
    now: Timestamp,
) -> Option<NewOutboundEvent> {
    let event_type = match status.status.as_str() {
        "sent" => "message.sent",
        "delivered" => "message.delivered",
        "read" => "message.read",
        "failed" => "message.failed",
        _ => return None,
    };
    let summary = json!({
        "id": status.wamid,
        "direction": "outbound",
        "status": status.status,
        "recipient_id": status.recipient_id,
        "timestamp": status.timestamp,
        "errors": status.errors,
        "biz_opaque_callback_data": status.biz_opaque_callback_data,
    });
    let data = data(route, Some(phone_number_id), &entry.id, "message", summary, &status.raw);
    Some(NewOutboundEvent::new(event_type, &[&status.wamid, &status.status], Some(phone_number_id), data, now))
}

/// `template.status_updated` for a template review's outcome.
pub(crate) fn template_status(
    route: Route,
    entry: &Entry,
    update: &TemplateStatusUpdate,
    now: Timestamp,
) -> NewOutboundEvent {
    let summary = json!({
        "id": update.template_id,
        "name": update.name,
        "language": update.language,
        "status": update.event,
        "category": update.category,
        "reason": update.reason,
    });
    let time = entry.time.map(|time| time.to_string()).unwrap_or_default();
    let data = data(route, None, &entry.id, "template", summary, &update.raw);
    NewOutboundEvent::new("template.status_updated", &[&update.template_id, &update.event, &time], None, data, now)
}

fn data(route: Route, phone_number_id: Option<&str>, waba_id: &str, kind: &str, summary: Value, raw: &Value) -> Value {
    let mut data = json!({
        "connection_id": route.connection_id,
        "phone_number_id": phone_number_id,
        "waba_id": waba_id,
        "raw": raw,
    });
    data[kind] = summary;
    data
}
