//! The ledger's control API, with an API key like `/connections`: `GET /messages`,
//! `GET /messages/{wamid}`, `GET /messages/{wamid}/media`, `GET /conversations`,
//! `GET /conversations/{phone_number_id}/{wa_id}`, `GET /templates`, `POST /templates/sync`.
//! Every query is scoped to the caller's account, so another account's ids are 404. Each
//! read first waits for the ledger writer to catch up, so a send just answered is found.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use wabagate_store::{LedgerMessage, MessageFilter, RouteKind, Timestamp};

use super::template_sync;
use super::views::{
    ConversationList, ConversationView, MessageList, OneConversation, OneMessage, Paging, TemplateList, ThreadView,
    Window, decode_cursor, encode_cursor,
};
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::gateway::media;
use crate::observe::AccessNote;
use crate::state::AppState;

/// Page sizes: the default and the most a caller may ask for.
const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 100;
/// The most messages a thread answers (its newest ones).
const THREAD_LIMIT: u32 = 500;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/messages", get(list_messages))
        .route("/messages/{wamid}", get(show_message))
        .route("/messages/{wamid}/media", get(message_media))
        .route("/conversations", get(list_conversations))
        .route("/conversations/{phone_number_id}/{wa_id}", get(show_conversation))
        .route("/templates", get(list_templates))
        .route("/templates/sync", post(sync_templates))
}

#[derive(Deserialize)]
struct MessagesQuery {
    direction: Option<String>,
    status: Option<String>,
    phone_number_id: Option<String>,
    peer: Option<String>,
    since: Option<String>,
    until: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

async fn list_messages(
    State(state): State<AppState>,
    Authenticated(account): Authenticated,
    Query(query): Query<MessagesQuery>,
) -> Result<Json<MessageList>, ApiError> {
    let direction = one_of(query.direction, "direction", &["outbound", "inbound"])?;
    let status = one_of(query.status, "status", &["accepted", "sent", "delivered", "read", "failed", "received"])?;
    let filter = MessageFilter {
        direction,
        status,
        phone_number_id: non_empty(query.phone_number_id),
        peer: non_empty(query.peer).map(|peer| digits(&peer)),
        since: time_param(query.since, "since")?,
        until: time_param(query.until, "until")?,
    };
    let limit = page_limit(query.limit)?;
    let cursor = cursor_param(query.cursor)?;
    state.ledger().caught_up().await;
    let mut messages = state.store().ledger_messages(account.account_id, &filter, cursor.as_ref(), limit + 1).await?;
    let next_cursor = next_page(&mut messages, limit);
    Ok(Json(MessageList { messages, paging: Paging { next_cursor } }))
}

async fn show_message(
    State(state): State<AppState>,
    Authenticated(account): Authenticated,
    Path(wamid): Path<String>,
) -> Result<Json<OneMessage>, ApiError> {
    let message = find_message(&state, account.account_id, &wamid).await?;
    Ok(Json(OneMessage { message }))
}

/// An inbound message's media: from the cache, else fetched through the upstream with its
/// connection's token.
async fn message_media(
    State(state): State<AppState>,
    Authenticated(account): Authenticated,
    Extension(note): Extension<AccessNote>,
    Path(wamid): Path<String>,
) -> Result<Response, ApiError> {
    let message = find_message(&state, account.account_id, &wamid).await?;
    if message.direction == "inbound" {
        if let Some(cached) = super::media_cache::serve(&state, &wamid).await {
            return Ok(cached);
        }
    }
    let media_id = message
        .content
        .as_ref()
        .zip(message.message_type.as_deref())
        .and_then(|(content, message_type)| content.get(message_type)?.get("id")?.as_str().map(str::to_owned))
        .filter(|_| message.direction == "inbound")
        .ok_or_else(|| ApiError::NotFound(format!("Media of message {wamid}")))?;
    if media_id.len() > 64 || !media_id.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-')
    {
        return Err(ApiError::BadUpstreamAnswer("The message's media id is not one Meta issues.".into()));
    }
    crate::gateway::proxy_rate_limit(&state, &account).await?;
    let connections = state.gateway_connections(account.account_id).await?;
    let connection = connections
        .iter()
        .find(|connection| Some(connection.connection_id) == message.connection_id)
        .ok_or_else(|| ApiError::NotFound(format!("The connection of message {wamid}")))?;
    if connection.status != wabagate_store::ConnectionStatus::Active {
        return Err(ApiError::ConnectionNotActive {
            connection_id: connection.connection_id,
            status: connection.status,
        });
    }
    note.set_connection(connection.connection_id);
    media::stream(&state, connection, &media_id, Some(&message.phone_number_id), &note).await
}

#[derive(Deserialize)]
struct ConversationsQuery {
    phone_number_id: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

async fn list_conversations(
    State(state): State<AppState>,
    Authenticated(account): Authenticated,
    Query(query): Query<ConversationsQuery>,
) -> Result<Json<ConversationList>, ApiError> {
    let limit = page_limit(query.limit)?;
    let cursor = cursor_param(query.cursor)?;
    let phone_number_id = non_empty(query.phone_number_id);
    state.ledger().caught_up().await;
    let mut summaries = state
        .store()
        .ledger_conversations(account.account_id, phone_number_id.as_deref(), cursor.as_ref(), limit + 1)
        .await?;
    let next_cursor = (summaries.len() > limit as usize).then(|| {
        summaries.truncate(limit as usize);
        summaries.last().map(|summary| encode_cursor(&summary.last_message))
    });
    let now = state.now();
    let conversations = summaries
        .into_iter()
        .map(|summary| ConversationView {
            window: Window::from_last_inbound(summary.last_inbound_unix, now),
            phone_number_id: summary.phone_number_id,
            wa_id: summary.wa_id,
            profile_name: summary.profile_name,
            last_message: summary.last_message,
        })
        .collect();
    Ok(Json(ConversationList { conversations, paging: Paging { next_cursor: next_cursor.flatten() } }))
}

async fn show_conversation(
    State(state): State<AppState>,
    Authenticated(account): Authenticated,
    Path((phone_number_id, wa_id)): Path<(String, String)>,
) -> Result<Json<OneConversation>, ApiError> {
    let wa_id = digits(&wa_id);
    state.ledger().caught_up().await;
    let messages = state.store().ledger_thread(account.account_id, &phone_number_id, &wa_id, THREAD_LIMIT).await?;
    if messages.is_empty() {
        return Err(ApiError::NotFound(format!("Conversation of {phone_number_id} with {wa_id}")));
    }
    let last_inbound = state.store().last_inbound(&phone_number_id, &wa_id).await?;
    let profile_name = messages
        .iter()
        .rev()
        .find(|message| message.direction == "inbound")
        .and_then(|message| message.profile_name.clone());
    Ok(Json(OneConversation {
        conversation: ThreadView {
            window: Window::from_last_inbound(last_inbound, state.now()),
            phone_number_id,
            wa_id,
            profile_name,
            messages,
        },
    }))
}

#[derive(Deserialize)]
struct TemplatesQuery {
    waba_id: Option<String>,
    status: Option<String>,
}

async fn list_templates(
    State(state): State<AppState>,
    Authenticated(account): Authenticated,
    Query(query): Query<TemplatesQuery>,
) -> Result<Json<TemplateList>, ApiError> {
    let waba_id = non_empty(query.waba_id);
    if let Some(waba_id) = &waba_id {
        owned_waba(&state, account.account_id, waba_id).await?;
    }
    let status = non_empty(query.status).map(|status| status.to_ascii_uppercase());
    state.ledger().caught_up().await;
    let templates = state.store().mirrored_templates(account.account_id, waba_id.as_deref(), status.as_deref()).await?;
    Ok(Json(TemplateList { templates }))
}

async fn sync_templates(
    State(state): State<AppState>,
    Authenticated(account): Authenticated,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let request: Value = serde_json::from_slice(&body).map_err(|error| {
        ApiError::bad_request("invalid_json", format!("The body must be JSON such as {{\"waba_id\":\"…\"}}: {error}"))
    })?;
    let waba_id = request
        .get("waba_id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| ApiError::bad_request("missing_waba_id", "Name the WABA to sync: {\"waba_id\":\"…\"}."))?;
    let synced = template_sync::sync(&state, account.account_id, waba_id).await?;
    Ok(Json(json!({ "synced": synced })))
}

async fn owned_waba(state: &AppState, account_id: uuid::Uuid, waba_id: &str) -> Result<(), ApiError> {
    let owned = state.store().routed_ids(account_id, RouteKind::Waba).await?;
    if owned.iter().any(|id| id == waba_id) { Ok(()) } else { Err(ApiError::NotFound(format!("WABA {waba_id}"))) }
}

async fn find_message(state: &AppState, account_id: uuid::Uuid, wamid: &str) -> Result<LedgerMessage, ApiError> {
    // What this gateway forwarded is written off the request's path; read it back all the same.
    state.ledger().caught_up().await;
    state.store().ledger_message(account_id, wamid).await?.ok_or_else(|| ApiError::NotFound(format!("Message {wamid}")))
}

/// Keeps `limit` rows and says where the next page starts, if there is one.
fn next_page(messages: &mut Vec<LedgerMessage>, limit: u32) -> Option<String> {
    if messages.len() <= limit as usize {
        return None;
    }
    messages.truncate(limit as usize);
    messages.last().map(encode_cursor)
}

fn page_limit(limit: Option<u32>) -> Result<u32, ApiError> {
    match limit.unwrap_or(DEFAULT_LIMIT) {
        limit @ 1..=MAX_LIMIT => Ok(limit),
        _ => Err(ApiError::bad_request("invalid_limit", format!("limit must be between 1 and {MAX_LIMIT}."))),
    }
}

fn cursor_param(cursor: Option<String>) -> Result<Option<wabagate_store::LedgerCursor>, ApiError> {
    match non_empty(cursor) {
        None => Ok(None),
        Some(text) => decode_cursor(&text).map(Some).ok_or_else(|| {
            ApiError::bad_request("invalid_cursor", "cursor must be a paging.next_cursor value as answered.")
        }),
    }
}

fn time_param(value: Option<String>, name: &str) -> Result<Option<Timestamp>, ApiError> {
    match non_empty(value) {
        None => Ok(None),
        Some(text) => OffsetDateTime::parse(&text, &Rfc3339).map(|at| Some(Timestamp::from(at))).map_err(|_| {
            ApiError::bad_request(
                "invalid_time",
                format!("{name} must be an RFC 3339 time such as 2026-01-31T12:00:00Z."),
            )
        }),
    }
}

fn one_of(value: Option<String>, name: &str, allowed: &[&str]) -> Result<Option<String>, ApiError> {
    match non_empty(value).map(|value| value.to_ascii_lowercase()) {
        None => Ok(None),
        Some(value) if allowed.contains(&value.as_str()) => Ok(Some(value)),
        Some(value) => Err(ApiError::bad_request(
            "invalid_filter",
            format!("Unknown {name} {value:?}: use one of {}.", allowed.join(", ")),
        )),
    }
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.map(|value| value.trim().to_owned()).filter(|value| !value.is_empty())
}

/// A wa_id as Meta writes it: digits only (`+1 555-0100` → `15550100`).
pub(crate) fn digits(phone: &str) -> String {
    phone.chars().filter(char::is_ascii_digit).collect()
}
