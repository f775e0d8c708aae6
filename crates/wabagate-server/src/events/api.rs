//! The subscriptions API, with an API key like `/connections`: `POST /webhooks`,
//! `GET /webhooks`, `GET|PATCH|DELETE /webhooks/{id}`, `POST /webhooks/{id}/rotate-secret`,
//! `POST /webhooks/{id}/test`, `GET /webhooks/{id}/deliveries`,
//! `POST /webhooks/{id}/deliveries/{delivery_id}/replay` and `POST /webhooks/{id}/replay`.
//! Every lookup is scoped to the caller's account: another account's ids are 404, and a
//! malformed id is the same 404.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;
use wabagate_store::{
    DeliveryFilter, DeliveryView, NewOutboundEvent, NewSubscription, SubscriptionUpdate, Timestamp,
    WebhookSubscription,
};

use super::{EVENT_TYPES, signing};
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::state::AppState;

/// How long a rotated-out secret keeps signing beside the new one.
const ROTATION_OVERLAP: Duration = Duration::from_secs(24 * 60 * 60);
/// Bounds of what a subscription holds.
const MAX_URL_BYTES: usize = 2048;
const MAX_EVENTS: usize = 32;
const MAX_PHONE_NUMBER_IDS: usize = 100;
const MAX_DESCRIPTION_BYTES: usize = 512;
/// The most subscriptions an account may have.
const MAX_SUBSCRIPTIONS: usize = 100;
/// Delivery log pages.
const DELIVERY_PAGE: u32 = 50;
const DELIVERY_STATUSES: [&str; 6] = ["pending", "in_flight", "delivered", "failed", "dead", "skipped"];
/// What a range replay requeues unless told otherwise: what did not arrive.
const DEFAULT_REPLAY_STATUSES: [&str; 3] = ["failed", "dead", "skipped"];

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/webhooks", get(list).post(create))
        .route("/webhooks/{id}", get(show).patch(update).delete(remove))
        .route("/webhooks/{id}/rotate-secret", post(rotate_secret))
        .route("/webhooks/{id}/test", post(test))
        .route("/webhooks/{id}/deliveries", get(deliveries))
        .route("/webhooks/{id}/deliveries/{delivery_id}/replay", post(replay_one))
        .route("/webhooks/{id}/replay", post(replay_range))
}

/// A subscription as the API shows it; `secret` only when just made or rotated.
#[derive(Serialize)]
struct WebhookView {
    #[serde(flatten)]
    subscription: WebhookSubscription,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
}

#[derive(Serialize)]
struct OneWebhook {
    webhook: WebhookView,
}

fn one(subscription: WebhookSubscription, secret: Option<String>) -> Json<OneWebhook> {
    Json(OneWebhook { webhook: WebhookView { subscription, secret } })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateRequest {
    url: Option<String>,
    events: Option<Vec<String>>,
    phone_number_ids: Option<Vec<String>>,
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateRequest {
    url: Option<String>,
    events: Option<Vec<String>>,
    phone_number_ids: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    description: Option<Option<String>>,
    status: Option<String>,
}

/// Tells a `null` (clear it) from an absent field (keep it).
fn present<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

async fn create(
    State(state): State<AppState>,
    Authenticated(account): Authenticated,
    body: Bytes,
) -> Result<(StatusCode, Json<OneWebhook>), ApiError> {
    let request: CreateRequest = json_body(&body)?;
    let url = request.url.ok_or_else(|| {
        ApiError::bad_request("missing_url", "Give the endpoint: {\"url\":\"https://…\",\"events\":[\"message.*\"]}.")
    })?;
    let events = request.events.ok_or_else(|| {
        ApiError::bad_request("missing_events", "Name the events to receive, e.g. \"events\":[\"message.*\"].")
    })?;
    let new = NewSubscription {
        url: check_url(&state, url)?,
        events: check_events(events)?,
        phone_number_ids: check_phone_number_ids(request.phone_number_ids.unwrap_or_default())?,
        description: check_description(request.description)?,
    };
    if state.store().subscriptions(account.account_id).await?.len() >= MAX_SUBSCRIPTIONS {
        return Err(ApiError::bad_request(
            "too_many_webhooks",
            format!("An account may have at most {MAX_SUBSCRIPTIONS} webhooks; delete one first."),
        ));
    }
    let secret = signing::new_secret();
    let subscription = state.store().create_subscription(account.account_id, &new, &secret, state.now()).await?;
    Ok((StatusCode::CREATED, one(subscription, Some(secret.expose().to_owned()))))
}

#[derive(Serialize)]
struct WebhookList {
    webhooks: Vec<WebhookSubscription>,
}

async fn list(
    State(state): State<AppState>,
    Authenticated(account): Authenticated,
) -> Result<Json<WebhookList>, ApiError> {
    Ok(Json(WebhookList { webhooks: state.store().subscriptions(account.account_id).await? }))
}

async fn show(
    State(state): State<AppState>,
    Authenticated(account): Authenticated,
    Path(id): Path<String>,
) -> Result<Json<OneWebhook>, ApiError> {
    Ok(one(owned(&state, account.account_id, &id).await?, None))
}

async fn update(
    State(state): State<AppState>,
    Authenticated(account): Authenticated,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<OneWebhook>, ApiError> {
    let subscription = owned(&state, account.account_id, &id).await?;
    let request: UpdateRequest = json_body(&body)?;
    if let Some(status) = &request.status
        && !matches!(status.as_str(), "active" | "disabled")
    {
        return Err(ApiError::bad_request("invalid_status", "status is \"active\" or \"disabled\"."));
    }
    let update = SubscriptionUpdate {
        url: request.url.map(|url| check_url(&state, url)).transpose()?,
        events: request.events.map(check_events).transpose()?,
        phone_number_ids: request.phone_number_ids.map(check_phone_number_ids).transpose()?,
        description: request.description.map(check_description).transpose()?,
        status: request.status,
    };
    let updated = state
        .store()
        .update_subscription(account.account_id, subscription.subscription_id, &update, state.now())
        .await?
        .ok_or_else(|| not_found(&id))?;
    Ok(one(updated, None))
}

async fn remove(
    State(state): State<AppState>,
    Authenticated(account): Authenticated,
    Path(id): Path<String>,
) -> Result<Json<OneWebhook>, ApiError> {
    let subscription = owned(&state, account.account_id, &id).await?;
    if !state.store().delete_subscription(account.account_id, subscription.subscription_id).await? {
        return Err(not_found(&id));
    }
    Ok(one(subscription, None))
}

async fn rotate_secret(
    State(state): State<AppState>,
    Authenticated(account): Authenticated,
    Path(id): Path<String>,
) -> Result<Json<OneWebhook>, ApiError> {
    let subscription = owned(&state, account.account_id, &id).await?;
    let secret = signing::new_secret();
    let now = state.now();
    let until = Timestamp::from_unix_micros(now.unix_micros() + micros(ROTATION_OVERLAP));
    state
        .store()
        .rotate_subscription_secret(account.account_id, subscription.subscription_id, &secret, now, until)
        .await?;
    Ok(one(subscription, Some(secret.expose().to_owned())))
}

async fn test(
    State(state): State<AppState>,
    Authenticated(account): Authenticated,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let subscription = owned(&state, account.account_id, &id).await?;
    let now = state.now();
    let nonce = Uuid::new_v4().to_string();
    let data = json!({
        "connection_id": null, "phone_number_id": null, "waba_id": null,
        "webhook": {"id": subscription.subscription_id}, "raw": null,
    });
    let mut event = NewOutboundEvent::new("webhook.test", &[&nonce], None, data, now);
    // Only this subscription gets it, whatever its `events`; the stream shows it too.
    event.only_subscription = Some(subscription.subscription_id);
    state.store().publish_event(account.account_id, &event, now).await?;
    state.outbound().published();
    Ok((StatusCode::ACCEPTED, Json(json!({"event_id": event.event_id, "type": "webhook.test"}))))
}

#[derive(Deserialize)]
struct DeliveriesQuery {
    status: Option<String>,
    #[serde(rename = "type")]
    event_type: Option<String>,
    cursor: Option<String>,
}

#[derive(Serialize)]
struct DeliveryList {
    deliveries: Vec<DeliveryView>,
    paging: Paging,
}

#[derive(Serialize)]
struct Paging {
    next_cursor: Option<String>,
}

async fn deliveries(
    State(state): State<AppState>,
    Authenticated(account): Authenticated,
    Path(id): Path<String>,
    Query(query): Query<DeliveriesQuery>,
) -> Result<Json<DeliveryList>, ApiError> {
    let subscription = owned(&state, account.account_id, &id).await?;
    let status = query.status.filter(|status| !status.is_empty());
    if let Some(status) = &status
        && !DELIVERY_STATUSES.contains(&status.as_str())
    {
        return Err(ApiError::bad_request(
            "invalid_status",
            format!("status is one of {}.", DELIVERY_STATUSES.join(", ")),
        ));
    }
    let event_type = query.event_type.filter(|event_type| !event_type.is_empty());
    if let Some(event_type) = &event_type
        && !EVENT_TYPES.contains(&event_type.as_str())
    {
        return Err(unknown_event(event_type));
    }
    let before_seq = query.cursor.filter(|cursor| !cursor.is_empty()).map(|cursor| decode_cursor(&cursor)).transpose()?;
    let filter = DeliveryFilter { status, event_type, before_seq };
    let mut deliveries = state.store().deliveries(subscription.subscription_id, &filter, DELIVERY_PAGE + 1).await?;
    let next_cursor = if deliveries.len() > DELIVERY_PAGE as usize {
        deliveries.truncate(DELIVERY_PAGE as usize);
        deliveries.last().map(|last| URL_SAFE_NO_PAD.encode(last.event_seq.to_string()))
    } else {
        None
    };
    Ok(Json(DeliveryList { deliveries, paging: Paging { next_cursor } }))
}

async fn replay_one(
    State(state): State<AppState>,
    Authenticated(account): Authenticated,
    Path((id, delivery_id)): Path<(String, String)>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let subscription = owned(&state, account.account_id, &id).await?;
    let unknown = || ApiError::NotFound(format!("Delivery {delivery_id}"));
    let parsed = Uuid::parse_str(&delivery_id).map_err(|_| unknown())?;
    match state.store().replay_delivery(subscription.subscription_id, parsed, state.now()).await? {
        None => Err(unknown()),
        Some(false) => Err(ApiError::bad_request(
            "delivery_in_flight",
            "The delivery is being attempted right now; replay it once the attempt ends.",
        )),
        Some(true) => {
            state.outbound().published();
            Ok((StatusCode::ACCEPTED, Json(json!({"queued": 1}))))
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplayRequest {
    since: Option<String>,
    until: Option<String>,
    status: Option<StatusFilter>,
}

/// One status or several.
#[derive(Deserialize)]
#[serde(untagged)]
enum StatusFilter {
    One(String),
    Many(Vec<String>),
}

async fn replay_range(
    State(state): State<AppState>,
    Authenticated(account): Authenticated,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let subscription = owned(&state, account.account_id, &id).await?;
    let request: ReplayRequest = if body.is_empty() {
        ReplayRequest { since: None, until: None, status: None }
    } else {
        json_body(&body)?
    };
    let statuses = match request.status {
        None => DEFAULT_REPLAY_STATUSES.iter().map(|status| (*status).to_owned()).collect(),
        Some(StatusFilter::One(status)) => vec![status],
        Some(StatusFilter::Many(statuses)) => statuses,
    };
    for status in &statuses {
        if !DELIVERY_STATUSES.contains(&status.as_str()) || status == "in_flight" {
            return Err(ApiError::bad_request(
                "invalid_status",
                format!("status is one or more of {}.", DEFAULT_REPLAY_STATUSES.join(", ") + ", pending, delivered"),
            ));
        }
    }
    let statuses: Vec<&str> = statuses.iter().map(String::as_str).collect();
    let since = time_field(request.since, "since")?;
    let until = time_field(request.until, "until")?;
    let queued =
        state.store().replay_deliveries(subscription.subscription_id, since, until, &statuses, state.now()).await?;
    state.outbound().published();
    Ok((StatusCode::ACCEPTED, Json(json!({"queued": queued}))))
}

/// The account's subscription named by `id`; anything else is the same 404.
async fn owned(state: &AppState, account_id: Uuid, id: &str) -> Result<WebhookSubscription, ApiError> {
    let subscription_id = Uuid::parse_str(id).map_err(|_| not_found(id))?;
    state.store().subscription(account_id, subscription_id).await?.ok_or_else(|| not_found(id))
}

fn not_found(id: &str) -> ApiError {
    // The id is echoed only as far as it is a plausible id, so the message stays small.
    let shown: String = id.chars().take(64).collect();
    ApiError::NotFound(format!("Webhook {shown}"))
}

fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|error| {
        ApiError::bad_request(
            "invalid_json",
            format!("The body must be JSON such as {{\"url\":\"https://…\",\"events\":[\"message.*\"]}}: {error}"),
        )
    })
}

fn check_url(state: &AppState, url: String) -> Result<String, ApiError> {
    if url.len() > MAX_URL_BYTES {
        return Err(ApiError::bad_request("invalid_webhook_url", format!("url is longer than {MAX_URL_BYTES} bytes.")));
    }
    state
        .config()
        .outbound
        .check_url(&url)
        .map_err(|refusal| ApiError::bad_request("invalid_webhook_url", format!("url is refused: {refusal}.")))?;
    Ok(url)
}

fn check_events(events: Vec<String>) -> Result<Vec<String>, ApiError> {
    if events.is_empty() || events.len() > MAX_EVENTS {
        return Err(ApiError::bad_request(
            "invalid_events",
            format!("events names 1 to {MAX_EVENTS} event types or globs, e.g. [\"message.*\"]."),
        ));
    }
    for pattern in &events {
        let known = EVENT_TYPES.iter().any(|event_type| wabagate_store::event_type_matches(pattern, event_type));
        let glob_ok = pattern.find('*').is_none_or(|star| star == pattern.len() - 1);
        if !known || !glob_ok {
            return Err(unknown_event(pattern));
        }
    }
    Ok(events)
}

fn unknown_event(name: &str) -> ApiError {
    let shown: String = name.chars().take(64).collect();
    ApiError::bad_request(
        "unknown_event_type",
        format!("Unknown event type {shown:?}: use one of {}, or a glob such as message.*.", EVENT_TYPES.join(", ")),
    )
}

fn check_phone_number_ids(ids: Vec<String>) -> Result<Vec<String>, ApiError> {
    let valid = |id: &String| (1..=32).contains(&id.len()) && id.bytes().all(|byte| byte.is_ascii_digit());
    if ids.len() > MAX_PHONE_NUMBER_IDS || !ids.iter().all(valid) {
        return Err(ApiError::bad_request(
            "invalid_phone_number_ids",
            format!("phone_number_ids holds at most {MAX_PHONE_NUMBER_IDS} phone number ids, each of digits."),
        ));
    }
    Ok(ids)
}

fn check_description(description: Option<String>) -> Result<Option<String>, ApiError> {
    match description {
        Some(text) if text.len() > MAX_DESCRIPTION_BYTES || text.chars().any(char::is_control) => {
            Err(ApiError::bad_request(
                "invalid_description",
                format!("description is at most {MAX_DESCRIPTION_BYTES} bytes, without control characters."),
            ))
        }
        other => Ok(other),
    }
}

fn time_field(value: Option<String>, name: &str) -> Result<Option<Timestamp>, ApiError> {
    value
        .map(|text| {
            OffsetDateTime::parse(&text, &Rfc3339).map(Timestamp::from).map_err(|_| {
                ApiError::bad_request("invalid_time", format!("{name} must be an RFC 3339 time such as 2026-01-31T12:00:00Z."))
            })
        })
        .transpose()
}

fn decode_cursor(cursor: &str) -> Result<i64, ApiError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.parse().ok())
        .ok_or_else(|| ApiError::bad_request("invalid_cursor", "cursor is not one this gateway gave out."))
}

pub(super) fn micros(duration: Duration) -> i64 {
    i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)
}
