//! Meta's webhook payloads as typed values: the `whatsapp_business_account` envelope, the
//! `messages` field's status and inbound values, and `message_template_status_update`
//! (schemas `WebhookPayload`, `Entry`, `Change`, `StatusMessageValue`, `Statuses` of
//! business-messaging-api_v23.0.yaml; shapes of meta-oauth-and-webhooks.md §10–§13).
//! Field order follows Meta's examples. Building a payload never fails and does no IO.

use serde::Serialize;
use serde_json::Value;

use crate::events::AsyncError;

use super::bsuid::business_scoped_user_id;

/// Where Meta's async error objects link to (whatsapp-cloud-api.md §9.2).
const ERROR_CODES_HREF: &str = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/";

/// One webhook POST body.
#[derive(Debug, Clone, Serialize)]
pub struct Notification {
    object: &'static str,
    entry: Vec<Entry>,
}

#[derive(Debug, Clone, Serialize)]
struct Entry {
    /// The WABA id, never the phone number id.
    id: String,
    /// Only on WABA-level fields such as `message_template_status_update`.
    #[serde(skip_serializing_if = "Option::is_none")]
    time: Option<i64>,
    changes: Vec<Change>,
}

#[derive(Debug, Clone, Serialize)]
struct Change {
    value: ChangeValue,
    field: &'static str,
}

#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
enum ChangeValue {
    Statuses(StatusValue),
    Inbound(InboundValue),
    TemplateStatus(TemplateStatusValue),
}

impl Notification {
    fn single(waba_id: &str, time: Option<i64>, field: &'static str, value: ChangeValue) -> Self {
        Self {
            object: "whatsapp_business_account",
            entry: vec![Entry { id: waba_id.to_owned(), time, changes: vec![Change { value, field }] }],
        }
    }

    /// The WABA the notification is about (`entry[0].id`).
    pub fn waba_id(&self) -> &str {
        self.entry.first().map_or("", |entry| entry.id.as_str())
    }

    /// The field of the (single) change, for logs.
    pub fn field(&self) -> &'static str {
        self.entry.first().and_then(|entry| entry.changes.first()).map_or("", |change| change.field)
    }

    /// Whether this is a number-scoped field, which WABA callback overrides apply to.
    pub fn is_number_scoped(&self) -> bool {
        self.field() == "messages"
    }

    /// Whether it carries message statuses (the notifications Meta reorders most).
    pub fn is_status(&self) -> bool {
        self.changes().any(|change| matches!(change.value, ChangeValue::Statuses(_)))
    }

    /// How many items (statuses, messages, template updates) it carries.
    pub fn item_count(&self) -> usize {
        self.changes().map(|change| change.value.item_count()).sum()
    }

    /// Whether `other` may ride in the same POST: Meta batches per WABA and callback.
    pub fn can_batch_with(&self, other: &Notification) -> bool {
        self.waba_id() == other.waba_id() && self.is_number_scoped() == other.is_number_scoped()
    }

    /// Several notifications as Meta batches them into one POST: one entry per WABA (and
    /// `time`), one change per field and business number, the items of merged changes in
    /// the order given. `None` for no notifications.
    pub fn batch(notifications: Vec<Notification>) -> Option<Notification> {
        let mut notifications = notifications.into_iter();
        let mut batched = notifications.next()?;
        for notification in notifications {
            for entry in notification.entry {
                match batched.entry.iter_mut().find(|kept| kept.id == entry.id && kept.time == entry.time) {
                    Some(kept) => kept.absorb(entry.changes),
                    None => batched.entry.push(entry),
                }
            }
        }
        Some(batched)
    }

    fn changes(&self) -> impl Iterator<Item = &Change> {
        self.entry.iter().flat_map(|entry| entry.changes.iter())
    }
}

impl Entry {
    fn absorb(&mut self, changes: Vec<Change>) {
        for Change { value, field } in changes {
            // Offered to each change of the field in turn; `None` once one has taken it.
            let left_over = self
                .changes
                .iter_mut()
                .filter(|kept| kept.field == field)
                .try_fold(value, |value, kept| kept.value.absorb(value));
            if let Some(value) = left_over {
                self.changes.push(Change { value, field });
            }
        }
    }
}

impl ChangeValue {
    /// Takes `other`'s items when both are lists of one kind for one business number;
    /// gives `other` back otherwise.
    fn absorb(&mut self, other: ChangeValue) -> Option<ChangeValue> {
        match (self, other) {
            (ChangeValue::Statuses(kept), ChangeValue::Statuses(more))
                if kept.metadata.phone_number_id == more.metadata.phone_number_id =>
            {
                kept.statuses.extend(more.statuses);
                for contact in more.contacts.into_iter().flatten() {
                    let contacts = kept.contacts.get_or_insert_with(Vec::new);
                    if !contacts.iter().any(|known| known.wa_id == contact.wa_id) {
                        contacts.push(contact);
                    }
                }
                None
            }
            (ChangeValue::Inbound(kept), ChangeValue::Inbound(more))
                if kept.metadata.phone_number_id == more.metadata.phone_number_id =>
            {
                kept.messages.extend(more.messages);
                for contact in more.contacts.into_iter().flatten() {
                    let contacts = kept.contacts.get_or_insert_with(Vec::new);
                    if !contacts.iter().any(|known| known.wa_id == contact.wa_id) {
                        contacts.push(contact);
                    }
                }
                None
            }
            (_, other) => Some(other),
        }
    }

    fn item_count(&self) -> usize {
        match self {
            ChangeValue::Statuses(value) => value.statuses.len(),
            ChangeValue::Inbound(value) => value.messages.len(),
            ChangeValue::TemplateStatus(_) => 1,
        }
    }
}

/// `value.metadata`: the business number the change concerns.
#[derive(Debug, Clone, Serialize)]
pub struct Metadata {
    display_phone_number: String,
    phone_number_id: String,
}

impl Metadata {
    pub fn new(phone_number_id: &str, display_phone_number: &str) -> Self {
        Self { display_phone_number: digits_only(display_phone_number), phone_number_id: phone_number_id.to_owned() }
    }
}

/// Webhooks write business numbers as digits only (`+1 555-010-0001` → `15550100001`).
pub fn digits_only(display_phone_number: &str) -> String {
    display_phone_number.chars().filter(char::is_ascii_digit).collect()
}

// === statuses ===

#[derive(Debug, Clone, Serialize)]
struct StatusValue {
    messaging_product: &'static str,
    metadata: Metadata,
    /// The recipient with their BSUID; Meta leaves it out of `failed` statuses.
    #[serde(skip_serializing_if = "Option::is_none")]
    contacts: Option<Vec<StatusContact>>,
    statuses: Vec<Status>,
}

#[derive(Debug, Clone, Serialize)]
struct StatusContact {
    wa_id: String,
    user_id: String,
}

#[derive(Debug, Clone, Serialize)]
struct Status {
    id: String,
    status: &'static str,
    timestamp: String,
    recipient_id: String,
    /// `group` on the statuses of a group message, else absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    recipient_type: Option<&'static str>,
    /// The recipient's BSUID; absent on `failed` statuses of sends to a phone number.
    #[serde(skip_serializing_if = "Option::is_none")]
    recipient_user_id: Option<String>,
    /// Echoed from the send.
    #[serde(skip_serializing_if = "Option::is_none")]
    biz_opaque_callback_data: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    conversation: Option<Conversation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pricing: Option<Pricing>,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<Vec<StatusError>>,
}

#[derive(Debug, Clone, Serialize)]
struct Conversation {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    expiration_timestamp: Option<String>,
    origin: ConversationOrigin,
}

#[derive(Debug, Clone, Serialize)]
struct ConversationOrigin {
    #[serde(rename = "type")]
    origin_type: &'static str,
}

#[derive(Debug, Clone, Serialize)]
struct Pricing {
    billable: bool,
    pricing_model: &'static str,
    #[serde(rename = "type")]
    pricing_type: &'static str,
    category: &'static str,
}

#[derive(Debug, Clone, Serialize)]
struct StatusError {
    code: u32,
    title: String,
    message: String,
    error_data: ErrorData,
    href: &'static str,
}

#[derive(Debug, Clone, Serialize)]
struct ErrorData {
    details: String,
}

/// A progress status of an outbound message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    Sent,
    Delivered,
    Read,
}

/// What every status of one outbound message shares.
#[derive(Debug, Clone)]
pub struct OutboundMessage {
    pub waba_id: String,
    pub metadata: Metadata,
    pub wamid: String,
    /// The customer's `wa_id`, or the group id of a group message.
    pub recipient_wa_id: String,
    /// Sent to a group: its statuses name the group and carry no contact, BSUID or pricing,
    /// as the group `sent` and `failed` examples of Meta's groups messaging guide show.
    pub to_group: bool,
    /// 32 hex characters, fixed per message.
    pub conversation_id: String,
    /// Whether the customer's 24-hour window was open at send time: the reply is then
    /// free customer service; otherwise it was a (utility) template.
    pub in_service_window: bool,
    /// The major Graph version of the subscription: up to 23 statuses carry `conversation`.
    pub graph_version: u32,
    /// The send's `biz_opaque_callback_data`, echoed on every status.
    pub biz_opaque_callback_data: Option<String>,
}

impl OutboundMessage {
    /// `sent`, `delivered` or `read` at `timestamp`. Pricing rides on `sent` and on the
    /// first of `delivered`/`read`, which here is always `delivered` (§12.2).
    pub fn progress(&self, progress: Progress, timestamp: i64) -> Notification {
        let (status, priced) = match progress {
            Progress::Sent => ("sent", true),
            Progress::Delivered => ("delivered", true),
            Progress::Read => ("read", false),
        };
        let (category, pricing_type, billable) = if self.in_service_window {
            ("service", "free_customer_service", false)
        } else {
            ("utility", "regular", true)
        };
        let priced = priced && !self.to_group;
        let conversation = (priced && self.graph_version <= 23).then(|| Conversation {
            id: self.conversation_id.clone(),
            expiration_timestamp: (progress == Progress::Sent).then(|| (timestamp + 24 * 60 * 60).to_string()),
            origin: ConversationOrigin { origin_type: category },
        });
        let pricing = priced.then_some(Pricing { billable, pricing_model: "PMP", pricing_type, category });
        self.status_notification(Status {
            id: self.wamid.clone(),
            status,
            timestamp: timestamp.to_string(),
            recipient_id: self.recipient_wa_id.clone(),
            recipient_type: self.recipient_type(),
            recipient_user_id: (!self.to_group).then(|| self.recipient_user_id()),
            biz_opaque_callback_data: self.biz_opaque_callback_data.clone(),
            conversation,
            pricing,
            errors: None,
        })
    }

    /// `failed` with Meta's async error object; failed statuses carry no pricing.
    pub fn failed(&self, error: &AsyncError, timestamp: i64) -> Notification {
        self.status_notification(Status {
            id: self.wamid.clone(),
            status: "failed",
            timestamp: timestamp.to_string(),
            recipient_id: self.recipient_wa_id.clone(),
            recipient_type: self.recipient_type(),
            recipient_user_id: None,
            biz_opaque_callback_data: self.biz_opaque_callback_data.clone(),
            conversation: None,
            pricing: None,
            errors: Some(vec![StatusError {
                code: error.code,
                title: error.title.clone(),
                message: error.message.clone(),
                error_data: ErrorData { details: error.details.clone() },
                href: ERROR_CODES_HREF,
            }]),
        })
    }

    fn recipient_type(&self) -> Option<&'static str> {
        self.to_group.then_some("group")
    }

    fn recipient_user_id(&self) -> String {
        business_scoped_user_id(&self.waba_id, &self.recipient_wa_id)
    }

    fn status_notification(&self, status: Status) -> Notification {
        let contacts = (status.status != "failed" && !self.to_group)
            .then(|| vec![StatusContact { wa_id: self.recipient_wa_id.clone(), user_id: self.recipient_user_id() }]);
        let value = StatusValue {
            messaging_product: "whatsapp",
            metadata: self.metadata.clone(),
            contacts,
            statuses: vec![status],
        };
        Notification::single(&self.waba_id, None, "messages", ChangeValue::Statuses(value))
    }
}

// === inbound messages ===

#[derive(Debug, Clone, Serialize)]
struct InboundValue {
    messaging_product: &'static str,
    metadata: Metadata,
    /// Absent for `system` messages (schema `IncomingMessageValueSystem`).
    #[serde(skip_serializing_if = "Option::is_none")]
    contacts: Option<Vec<Contact>>,
    messages: Vec<Value>,
}

#[derive(Debug, Clone, Serialize)]
struct Contact {
    profile: Profile,
    wa_id: String,
    /// The sender's BSUID.
    user_id: String,
}

#[derive(Debug, Clone, Serialize)]
struct Profile {
    name: String,
}

/// A customer's message to a business number; `message` is the complete `messages[]` item.
pub fn inbound(waba_id: &str, metadata: Metadata, profile_name: &str, message: Value) -> Notification {
    let is_system = message.get("type").and_then(Value::as_str) == Some("system");
    let contacts = (!is_system).then(|| {
        let wa_id = message.get("from").and_then(Value::as_str).unwrap_or_default().to_owned();
        let user_id = business_scoped_user_id(waba_id, &wa_id);
        vec![Contact { profile: Profile { name: profile_name.to_owned() }, wa_id, user_id }]
    });
    let value = InboundValue { messaging_product: "whatsapp", metadata, contacts, messages: vec![message] };
    Notification::single(waba_id, None, "messages", ChangeValue::Inbound(value))
}

// === template status ===

#[derive(Debug, Clone, Serialize)]
struct TemplateStatusValue {
    event: String,
    message_template_id: TemplateId,
    message_template_name: String,
    message_template_language: String,
    reason: String,
}

/// Meta sends the template id as a JSON number; an id that is not numeric stays a string.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
enum TemplateId {
    Number(u64),
    Text(String),
}

/// A template's new status (`APPROVED`, `REJECTED`, …); `reason` is `NONE` unless given.
pub fn template_status(
    waba_id: &str,
    time: i64,
    template_id: &str,
    name: &str,
    language: &str,
    status: &str,
    reason: Option<&str>,
) -> Notification {
    let value = TemplateStatusValue {
        event: status.to_owned(),
        message_template_id: template_id
            .parse()
            .map_or_else(|_| TemplateId::Text(template_id.to_owned()), TemplateId::Number),
        message_template_name: name.to_owned(),
        message_template_language: language.to_owned(),
        reason: reason.unwrap_or("NONE").to_owned(),
    };
    Notification::single(waba_id, Some(time), "message_template_status_update", ChangeValue::TemplateStatus(value))
}
