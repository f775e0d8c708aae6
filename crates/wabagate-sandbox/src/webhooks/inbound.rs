//! Inbound customer messages, injected by testers (`POST /__sandbox/inbound`, the
//! `wabagate sandbox inbound` command): completes the message as WhatsApp would (`id`,
//! `timestamp`, `from`, media defaults, and the `context` a button or list reply always
//! has), opens the customer's 24-hour window and publishes it for the deliverer
//! (meta-oauth-and-webhooks.md §11). Injected ids are remembered (bounded), so a business
//! can react to them.

use axum::Json;
use axum::extract::State;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::directory::PhoneNumberRef;
use crate::events::SandboxEvent;
use crate::media_store::StoredMedia;
use crate::state::SandboxState;

use super::control_error::ControlError;

/// The message types a customer can send, with the object each one carries under its
/// own name (`None`: the type has no object).
const MESSAGE_TYPES: [(&str, Option<&str>); 15] = [
    ("text", Some("text")),
    ("image", Some("image")),
    ("video", Some("video")),
    ("audio", Some("audio")),
    ("document", Some("document")),
    ("sticker", Some("sticker")),
    ("location", Some("location")),
    ("contacts", Some("contacts")),
    ("interactive", Some("interactive")),
    ("button", Some("button")),
    ("reaction", Some("reaction")),
    ("order", Some("order")),
    ("system", Some("system")),
    ("unsupported", None),
    ("request_welcome", None),
];

/// How many injected messages are remembered for [`is_known_message`].
pub const INBOUND_LOG_CAPACITY: usize = 1_000;

/// An injected message, as remembered.
#[derive(Debug, Clone)]
pub struct InboundRecord {
    pub wamid: String,
    pub phone_number_id: String,
    pub from: String,
}

/// A customer message to inject.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InboundRequest {
    /// The customer's wa_id (digits).
    pub from: String,
    /// The business number written to; the first number of the first WABA by default.
    #[serde(default)]
    pub phone_number_id: Option<String>,
    /// The customer's WhatsApp profile name; the directory's name for known customers.
    #[serde(default)]
    pub profile_name: Option<String>,
    /// The `messages[]` item without `from`, `id` and `timestamp`, e.g.
    /// `{"type": "text", "text": {"body": "hi"}}`. Given values of those three win.
    pub message: Map<String, Value>,
}

/// What the sandbox made of an injected message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundAccepted {
    /// The inbound wamid, to reply to, react to or mark as read.
    pub id: String,
    pub waba_id: String,
    pub phone_number_id: String,
    pub timestamp: String,
}

/// `POST /__sandbox/inbound`.
pub(super) async fn inject(
    State(state): State<SandboxState>,
    Json(request): Json<InboundRequest>,
) -> Result<Json<InboundAccepted>, ControlError> {
    inject_inbound(&state, request).map(Json)
}

/// Completes, records and publishes an inbound message.
///
/// Errors: a `from` that is not 5–15 digits, an unknown business number, an unknown
/// `type`, or a type whose object is missing.
pub fn inject_inbound(state: &SandboxState, request: InboundRequest) -> Result<InboundAccepted, ControlError> {
    let from = request.from.trim_start_matches('+').to_owned();
    if !(5..=15).contains(&from.len()) || !from.chars().all(|character| character.is_ascii_digit()) {
        return Err(ControlError::bad_request(format!(
            "from must be a wa_id of 5 to 15 digits, got {:?}",
            request.from
        )));
    }
    let number = business_number(state, request.phone_number_id.as_deref())?;
    let now = state.clock().unix();
    let mut message = request.message;
    let message_type = validate_type(&message)?;
    message.entry("from").or_insert_with(|| from.clone().into());
    message.entry("id").or_insert_with(|| new_wamid().into());
    message.entry("timestamp").or_insert_with(|| now.to_string().into());
    complete_content(state, &number, now, &mut message, &message_type);
    if is_reply_to_a_business_message(&message, &message_type) && !message.contains_key("context") {
        let replied_to = last_sent_to(state, &number.id, &from).unwrap_or_else(new_wamid);
        message.insert("context".into(), json!({ "id": replied_to }));
    }
    complete_context(&mut message, &number);

    let accepted = InboundAccepted {
        id: message.get("id").and_then(Value::as_str).unwrap_or_default().to_owned(),
        waba_id: number.waba_id.clone(),
        phone_number_id: number.id.clone(),
        timestamp: message.get("timestamp").and_then(Value::as_str).unwrap_or_default().to_owned(),
    };
    state.webhooks().inbound().push(InboundRecord {
        wamid: accepted.id.clone(),
        phone_number_id: number.id.clone(),
        from: from.clone(),
    });
    // A system notice (number change) is not the customer writing, so it opens no window.
    if message_type != "system" {
        state.windows().open(&number.id, &from, now);
    }
    let profile_name =
        request.profile_name.or_else(|| state.directory().customer_profile_name(&from)).unwrap_or_default();
    state.events().publish(SandboxEvent::InboundMessage {
        waba_id: number.waba_id,
        phone_number_id: number.id,
        display_phone_number: number.display_phone_number,
        profile_name,
        message: Value::Object(message),
    });
    Ok(accepted)
}

fn business_number(state: &SandboxState, phone_number_id: Option<&str>) -> Result<PhoneNumberRef, ControlError> {
    let directory = state.directory();
    match phone_number_id.filter(|id| !id.is_empty()) {
        Some(id) => directory
            .phone_number(id)
            .ok_or_else(|| ControlError::not_found(format!("Unknown business phone number id {id}"))),
        None => directory
            .wabas()
            .iter()
            .find_map(|waba| directory.phone_numbers_of(&waba.id).into_iter().next())
            .ok_or_else(|| ControlError::not_found("The sandbox has no business phone number")),
    }
}

fn validate_type(message: &Map<String, Value>) -> Result<String, ControlError> {
    let message_type = message
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| ControlError::bad_request("message.type is required"))?;
    let (_, content_key) = MESSAGE_TYPES
        .iter()
        .find(|(known, _)| *known == message_type)
        .ok_or_else(|| ControlError::bad_request(format!("Unknown message type {message_type:?}")))?;
    let content_missing = content_key.is_some_and(|key| message.get(key).is_none_or(Value::is_null));
    if let (true, Some(key)) = (content_missing, content_key) {
        return Err(ControlError::bad_request(format!("A {message_type} message needs a message.{key} object")));
    }
    Ok(message_type.to_owned())
}

/// Whether the business `wamid` is one the number `phone_number_id` sent, or one a
/// customer sent to it: what a reaction may point at.
pub fn is_known_message(state: &SandboxState, phone_number_id: &str, wamid: &str) -> bool {
    state.sent().entries().iter().any(|sent| sent.phone_number_id == phone_number_id && sent.wamid == wamid)
        || state
            .webhooks()
            .inbound()
            .entries()
            .iter()
            .any(|inbound| inbound.phone_number_id == phone_number_id && inbound.wamid == wamid)
}

/// A tap on a reply button or a list row (`interactive`), or on a template's quick-reply
/// button (`button`): always an answer to a business message, so Meta always sends `context`.
fn is_reply_to_a_business_message(message: &Map<String, Value>, message_type: &str) -> bool {
    match message_type {
        "button" => true,
        "interactive" => matches!(
            message.get("interactive").and_then(|interactive| interactive.get("type")).and_then(Value::as_str),
            Some("button_reply" | "list_reply")
        ),
        _ => false,
    }
}

/// The newest message the business number sent to the customer, if the sandbox still has it.
fn last_sent_to(state: &SandboxState, phone_number_id: &str, wa_id: &str) -> Option<String> {
    state
        .sent()
        .entries()
        .into_iter()
        .rev()
        .find(|sent| sent.phone_number_id == phone_number_id && sent.wa_id == wa_id)
        .map(|sent| sent.wamid)
}

/// A `context` names the business number it quotes (`from`), as WhatsApp's do.
fn complete_context(message: &mut Map<String, Value>, number: &PhoneNumberRef) {
    let replied_to =
        message.get_mut("context").and_then(Value::as_object_mut).filter(|context| context.contains_key("id"));
    if let Some(context) = replied_to {
        context.entry("from").or_insert_with(|| super::payload::digits_only(&number.display_phone_number).into());
    }
}

/// Fills what WhatsApp adds but a tester may leave out. Media given without an id gets a
/// small file of its own in the media store, so the business can download it with its token
/// as it would a customer's photo (and its `sha256` is that file's).
fn complete_content(
    state: &SandboxState,
    number: &PhoneNumberRef,
    now: i64,
    message: &mut Map<String, Value>,
    message_type: &str,
) {
    let default_mime_type = match message_type {
        "image" => "image/jpeg",
        "video" => "video/mp4",
        "audio" => "audio/ogg; codecs=opus",
        "document" => "application/pdf",
        "sticker" => "image/webp",
        "unsupported" => {
            message.entry("errors").or_insert_with(|| {
                json!([{
                    "code": 131051,
                    "title": "Message type unknown",
                    "message": "Message type unknown",
                    "error_data": { "details": "Message type is currently not supported." },
                }])
            });
            return;
        }
        _ => return,
    };
    let Some(media) = message.get_mut(message_type).and_then(Value::as_object_mut) else { return };
    let mime_type =
        media.entry("mime_type").or_insert_with(|| default_mime_type.into()).as_str().unwrap_or_default().to_owned();
    match media.get("id").and_then(Value::as_str).map(str::to_owned) {
        Some(media_id) => {
            // An id the tester chose: its uploaded file's hash when there is one.
            let sha256 = match state.media().get(&media_id) {
                Some(stored) => hex::decode(&stored.sha256).map(|digest| STANDARD.encode(digest)).unwrap_or_default(),
                None => STANDARD.encode(Sha256::digest(media_id.as_bytes())),
            };
            media.entry("sha256").or_insert_with(|| sha256.into());
        }
        None => {
            let bytes = Bytes::from(format!("wabagate sandbox: a customer's {message_type} ({mime_type})\n"));
            let digest = Sha256::digest(&bytes);
            let media_id = new_media_id();
            state.media().insert(StoredMedia {
                id: media_id.clone(),
                phone_number_id: number.id.clone(),
                waba_id: number.waba_id.clone(),
                mime_type,
                sha256: hex::encode(digest),
                file_size: bytes.len() as u64,
                uploaded_at: now,
                chunks: vec![bytes],
            });
            media.insert("id".into(), media_id.into());
            media.entry("sha256").or_insert_with(|| STANDARD.encode(digest).into());
        }
    }
}

/// `wamid.` and a base64 tail, like WhatsApp's inbound message ids.
fn new_wamid() -> String {
    let bytes: [u8; 30] = rand::thread_rng().r#gen();
    format!("wamid.HBgL{}", STANDARD.encode(bytes))
}

fn new_media_id() -> String {
    rand::thread_rng().gen_range(1_000_000_000_000_000_u64..10_000_000_000_000_000).to_string()
}
