//! The items of one change, typed where the gateway acts on them: inbound messages and
//! statuses of `messages`, `message_template_status_update`, `account_update` and
//! `phone_number_name_update`. Each keeps its raw object; anything else is
//! [`Item::Unknown`].

use serde_json::Value;

use super::Change;
use super::lenient::{integer, present, string};

/// One thing Meta tells in a change.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Message(InboundMessage),
    Status(Status),
    TemplateStatus(TemplateStatusUpdate),
    AccountUpdate(AccountUpdate),
    PhoneNumberNameUpdate(PhoneNumberNameUpdate),
    /// A field, or an item of a known field, the gateway does not interpret.
    Unknown {
        field: String,
        value: Value,
    },
}

/// A customer's message (`messages[]`), with its sender's profile from `contacts[]`.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundMessage {
    pub wamid: String,
    /// The sender's wa_id.
    pub from: String,
    /// Unix seconds.
    pub timestamp: Option<i64>,
    /// `text`, `image`, …, `system`, `unsupported`, or a type Meta added since.
    pub message_type: String,
    /// The wamid this message replies to (`context.id`).
    pub reply_to: Option<String>,
    pub profile_name: Option<String>,
    /// The `messages[]` object as received.
    pub raw: Value,
}

/// A status of an outbound message (`statuses[]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub wamid: String,
    /// `sent`, `delivered`, `read`, `failed`, or another Meta may add (`played`).
    pub status: String,
    /// Unix seconds.
    pub timestamp: Option<i64>,
    pub recipient_id: Option<String>,
    pub biz_opaque_callback_data: Option<String>,
    /// Meta's `errors[]`, kept whole.
    pub errors: Option<Value>,
    pub conversation: Option<Value>,
    pub pricing: Option<Value>,
    pub raw: Value,
}

/// `message_template_status_update`: a template was approved, rejected, paused, ….
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateStatusUpdate {
    pub template_id: String,
    pub name: String,
    pub language: String,
    /// The new status (`APPROVED`, `REJECTED`, `PAUSED`, `DISABLED`, …).
    pub event: String,
    /// `NONE` unless Meta gives one.
    pub reason: Option<String>,
    pub category: Option<String>,
    pub raw: Value,
}

/// `account_update`: something happened to the WABA (verified, banned, partner removed, …).
#[derive(Debug, Clone, PartialEq)]
pub struct AccountUpdate {
    pub event: String,
    pub raw: Value,
}

impl AccountUpdate {
    /// Whether the event means the business took the gateway's access away: its token
    /// will no longer be honoured.
    pub fn revokes_access(&self) -> bool {
        matches!(
            self.event.as_str(),
            "PARTNER_REMOVED" | "PARTNER_APP_UNINSTALLED" | "ACCOUNT_DELETED" | "ACCOUNT_OFFBOARDED"
        )
    }
}

/// `phone_number_name_update`: the review of a number's display name.
#[derive(Debug, Clone, PartialEq)]
pub struct PhoneNumberNameUpdate {
    pub display_phone_number: Option<String>,
    pub decision: Option<String>,
    pub requested_verified_name: Option<String>,
    pub rejection_reason: Option<String>,
    pub raw: Value,
}

/// Every item of a change, in order. Never fails: what cannot be read is `Unknown`.
pub fn items_of(change: &Change) -> Vec<Item> {
    let unknown = |value: &Value| Item::Unknown { field: change.field.clone(), value: value.clone() };
    let value = &change.value;
    match change.field.as_str() {
        "messages" => {
            let mut items = Vec::new();
            let profile_names = profile_names(value);
            for message in array(value.get("messages")) {
                items.push(inbound_message(message, &profile_names).map_or_else(|| unknown(message), Item::Message));
            }
            for status in array(value.get("statuses")) {
                items.push(self::status(status).map_or_else(|| unknown(status), Item::Status));
            }
            if let Some(errors) = present(value.get("errors")) {
                items.push(Item::Unknown { field: change.field.clone(), value: serde_json::json!({"errors": errors}) });
            }
            if items.is_empty() {
                items.push(unknown(value));
            }
            items
        }
        "message_template_status_update" => {
            vec![template_status(value).map_or_else(|| unknown(value), Item::TemplateStatus)]
        }
        "account_update" => vec![match string(value.get("event")) {
            Some(event) => Item::AccountUpdate(AccountUpdate { event, raw: value.clone() }),
            None => unknown(value),
        }],
        "phone_number_name_update" if value.is_object() => vec![Item::PhoneNumberNameUpdate(PhoneNumberNameUpdate {
            display_phone_number: string(value.get("display_phone_number")),
            decision: string(value.get("decision")),
            requested_verified_name: string(value.get("requested_verified_name")),
            rejection_reason: string(value.get("rejection_reason")),
            raw: value.clone(),
        })],
        _ => vec![unknown(value)],
    }
}

fn array(value: Option<&Value>) -> &[Value] {
    value.and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default()
}

/// `contacts[]` as (wa_id, profile name) pairs.
fn profile_names(value: &Value) -> Vec<(String, String)> {
    array(value.get("contacts"))
        .iter()
        .filter_map(|contact| {
            let wa_id = string(contact.get("wa_id"))?;
            let name = string(contact.get("profile").and_then(|profile| profile.get("name")))?;
            Some((wa_id, name))
        })
        .collect()
}

fn inbound_message(message: &Value, profile_names: &[(String, String)]) -> Option<InboundMessage> {
    let wamid = string(message.get("id")).filter(|id| !id.is_empty())?;
    let from = string(message.get("from")).unwrap_or_default();
    let profile_name = profile_names
        .iter()
        .find(|(wa_id, _)| *wa_id == from)
        .or_else(|| profile_names.first())
        .map(|(_, name)| name.clone());
    Some(InboundMessage {
        wamid,
        timestamp: integer(message.get("timestamp")),
        message_type: string(message.get("type")).unwrap_or_else(|| "unknown".to_owned()),
        reply_to: string(message.get("context").and_then(|context| context.get("id"))),
        profile_name,
        from,
        raw: message.clone(),
    })
}

fn status(status: &Value) -> Option<Status> {
    let wamid = string(status.get("id")).filter(|id| !id.is_empty())?;
    let name = string(status.get("status")).filter(|name| !name.is_empty())?;
    Some(Status {
        wamid,
        status: name.to_ascii_lowercase(),
        timestamp: integer(status.get("timestamp")),
        recipient_id: string(status.get("recipient_id")),
        biz_opaque_callback_data: string(status.get("biz_opaque_callback_data")),
        errors: present(status.get("errors")),
        conversation: present(status.get("conversation")),
        pricing: present(status.get("pricing")),
        raw: status.clone(),
    })
}

fn template_status(value: &Value) -> Option<TemplateStatusUpdate> {
    Some(TemplateStatusUpdate {
        template_id: string(value.get("message_template_id"))?,
        name: string(value.get("message_template_name"))?,
        language: string(value.get("message_template_language")).unwrap_or_default(),
        event: string(value.get("event"))?,
        reason: string(value.get("reason")),
        category: string(value.get("message_template_category")),
        raw: value.clone(),
    })
}
