//! `GET /oauth/callback`: where Meta's dialog sends the browser back.
//!
//! The `state` must be the one minted for an opened session, and it works once. Then, with
//! the app secret: code → token, short-lived → long-lived, `debug_token` for expiry, scopes
//! and granted WABAs, each WABA's phone numbers, and the app subscribed to each WABA's
//! webhooks. Only when all of that succeeded is the token stored and the connection ACTIVE;
//! any failure leaves it FAILED with the reason in `metadata.error`, nothing half-stored;
//! except that a connection which already holds a token (a reconnect) keeps it and its
//! status, with the failure in `metadata.last_reconnect_error`.
//!
//! A WABA that another ACTIVE connection of the account already has is refused (FAILED with
//! that connection's id), unless the connection was created with `force`. When the app gave
//! a `redirect_url`, the browser goes there at the end instead of seeing the result page.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use wabagate_store::{AccessToken, ConnectSessionError, Connection, ConnectionStatus, FlowSecret, Timestamp};

use super::html::{escape, page, problem};
use super::{WHATSAPP_SCOPES, redirect_uri};
use crate::config::MetaApp;
use crate::discovery;
use crate::graph::{self, GraphCallError};
use crate::state::AppState;

/// A token that lives less than this is short-lived and is exchanged for a long-lived one.
const SHORT_LIVED_SECONDS: i64 = 7 * 24 * 60 * 60;

#[derive(Deserialize)]
pub(super) struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_reason: Option<String>,
    error_description: Option<String>,
}

/// Why the connect flow failed, as recorded in `metadata.error` and shown on the page.
struct Failure {
    reason: &'static str,
    description: String,
    /// For `duplicate_waba`: the ACTIVE connection that already has the WABA.
    existing_connection_id: Option<uuid::Uuid>,
}

impl Failure {
    fn new(reason: &'static str, description: impl Into<String>) -> Self {
        Self { reason, description: description.into(), existing_connection_id: None }
    }
}

pub(super) async fn finish(State(state): State<AppState>, Query(query): Query<CallbackQuery>) -> Response {
    let Some(meta_app) = state.config().meta_app.clone() else {
        return problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "Connecting is not set up",
            "This gateway has no Meta app configured.",
            "The operator sets --meta-app-id and --meta-app-secret.",
        );
    };
    let Some(oauth_state) = query.state.as_deref().filter(|value| !value.is_empty()) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "This sign-in answer is incomplete",
            "Meta's answer carries no state, so it cannot be matched to a connection.",
            "Start again from the connection's link.",
        );
    };
    let session = match state.store().complete_connect_session(&FlowSecret::presented(oauth_state)).await {
        Ok(session) => session,
        Err(error) => return refused(error),
    };
    let connection = session.connection;
    state.forget_connections(connection.account_id);

    if let Some(error) = query.error {
        let failure = Failure::new(
            if error == "access_denied" { "access_denied" } else { "dialog_error" },
            query
                .error_description
                .or(query.error_reason)
                .unwrap_or_else(|| format!("Meta's dialog answered {error}.")),
        );
        return record_failure(&state, &connection, failure, "You did not connect WhatsApp Business").await;
    }
    let Some(code) = query.code.filter(|code| !code.is_empty()) else {
        let failure = Failure::new("missing_code", "Meta's answer carries no authorization code.");
        return record_failure(&state, &connection, failure, "Connecting failed").await;
    };

    match connect(&state, &meta_app, &connection, &code).await {
        Ok((token, metadata, expires_at)) => {
            match state
                .store()
                .activate_connection(connection.connection_id, &token, metadata.clone(), expires_at)
                .await
            {
                Ok(_) => {
                    state.forget_connections(connection.account_id);
                    match back_to_app(&connection, ConnectionStatus::Active, None) {
                        Some(redirect) => redirect,
                        None => success_page(&metadata),
                    }
                }
                Err(error) => {
                    tracing::error!(error = %error, connection_id = %connection.connection_id, "storing a connected token failed");
                    let failure = Failure::new("store_failed", "The gateway could not store the connection.");
                    record_failure(&state, &connection, failure, "Connecting failed").await
                }
            }
        }
        Err(failure) => record_failure(&state, &connection, failure, "Connecting failed").await,
    }
}

/// What a successful exchange yields: the token, the connection's metadata, the token's expiry.
type Connected = (AccessToken, Value, Option<Timestamp>);

/// Everything after the code: the token, the connection's metadata and the token's expiry.
async fn connect(
    state: &AppState,
    meta_app: &MetaApp,
    connection: &Connection,
    code: &str,
) -> Result<Connected, Failure> {
    let version = &state.config().graph_version;
    let token_path = format!("/{version}/oauth/access_token");
    let redirect_uri = redirect_uri(state);
    let exchanged = graph::get(
        state,
        &token_path,
        &[
            ("client_id", &meta_app.app_id),
            ("client_secret", &meta_app.app_secret),
            ("redirect_uri", &redirect_uri),
            ("code", code),
        ],
        None,
    )
    .await
    .map_err(|error| graph_failure("code_exchange_failed", error))?;
    let (mut token, mut expires_in) = read_token(&exchanged)?;

    if expires_in.is_some_and(|seconds| seconds < SHORT_LIVED_SECONDS) {
        let long_lived = graph::get(
            state,
            &token_path,
            &[
                ("grant_type", "fb_exchange_token"),
                ("client_id", &meta_app.app_id),
                ("client_secret", &meta_app.app_secret),
                ("fb_exchange_token", token.expose()),
            ],
            None,
        )
        .await
        .map_err(|error| graph_failure("token_exchange_failed", error))?;
        (token, expires_in) = read_token(&long_lived)?;
    }

    let app_token = format!("{}|{}", meta_app.app_id, meta_app.app_secret);
    let inspection = graph::get(
        state,
        &format!("/{version}/debug_token"),
        &[("input_token", token.expose()), ("access_token", &app_token)],
        None,
    )
    .await
    .map_err(|error| graph_failure("token_inspection_failed", error))?;
    let scopes: Vec<String> = inspection
        .pointer("/data/scopes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|scope| scope.as_str().map(str::to_owned))
        .collect();
    let missing: Vec<&str> =
        WHATSAPP_SCOPES.into_iter().filter(|needed| !scopes.iter().any(|scope| scope == needed)).collect();
    if !missing.is_empty() {
        return Err(Failure::new(
            "missing_scopes",
            format!("Meta did not grant {}; allow every permission asked for.", missing.join(" and ")),
        ));
    }
    let waba_ids = discovery::granted_wabas(&inspection);
    if waba_ids.is_empty() {
        return Err(Failure::new("no_waba", "No WhatsApp Business Account was shared; pick one in Meta's dialog."));
    }
    refuse_duplicate_waba(state, connection, &waba_ids).await?;
    let phone_numbers = discovery::phone_numbers(state, &token, &waba_ids)
        .await
        .map_err(|error| graph_failure("phone_number_discovery_failed", error))?;
    for waba_id in &waba_ids {
        graph::post(state, &format!("/{version}/{waba_id}/subscribed_apps"), &[], Some(&token))
            .await
            .map_err(|error| graph_failure("webhook_subscription_failed", error))?;
    }

    // debug_token's expires_at is authoritative (0 = never); expires_in is the fallback.
    let expires_at = match inspection.pointer("/data/expires_at").and_then(Value::as_i64) {
        Some(0) => None,
        Some(unix) => OffsetDateTime::from_unix_timestamp(unix).ok().map(Timestamp::from),
        None => expires_in.map(|seconds| Timestamp::from(OffsetDateTime::now_utc() + time::Duration::seconds(seconds))),
    };
    let metadata = json!({
        "waba_ids": waba_ids,
        "phone_numbers": phone_numbers,
        "scopes": scopes,
        "token_expires_at": expires_at,
    });
    Ok((token, metadata, expires_at))
}

/// Two ACTIVE connections of one account on the same WABA would race for its numbers: the
/// second is refused unless its app asked for it (`force`). A reconnect is not a second one.
async fn refuse_duplicate_waba(state: &AppState, connection: &Connection, waba_ids: &[String]) -> Result<(), Failure> {
    if connection.options.force {
        return Ok(());
    }
    let existing = state
        .store()
        .active_connection_sharing_waba(connection.account_id, connection.connection_id, waba_ids)
        .await
        .map_err(|error| {
            tracing::error!(error = %error, "looking for a connection with the same WABA failed");
            Failure::new("store_failed", "The gateway could not read its connections.")
        })?;
    match existing {
        None => Ok(()),
        Some(existing) => Err(Failure {
            reason: "duplicate_waba",
            description: format!(
                "This WhatsApp Business Account is already connected (connection {existing}); use that connection, or create this one with \"force\": true."
            ),
            existing_connection_id: Some(existing),
        }),
    }
}

fn read_token(answer: &Value) -> Result<(AccessToken, Option<i64>), Failure> {
    let token = answer
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|token| !token.is_empty())
        .ok_or_else(|| Failure::new("code_exchange_failed", "Meta's token answer carries no access_token."))?;
    Ok((AccessToken::new(token), answer.get("expires_in").and_then(Value::as_i64)))
}

fn graph_failure(reason: &'static str, error: GraphCallError) -> Failure {
    let description = match error {
        GraphCallError::Unreachable(_) => "Meta could not be reached; try again in a moment.".to_owned(),
        GraphCallError::Refused { message, code, .. } => format!("Meta answered: {message} (code {code})."),
    };
    Failure::new(reason, description)
}

async fn record_failure(state: &AppState, connection: &Connection, failure: Failure, title: &str) -> Response {
    let mut error = json!({"reason": failure.reason, "description": failure.description});
    if let Some(existing) = failure.existing_connection_id {
        error["existing_connection_id"] = json!(existing);
    }
    let recorded = match state.store().fail_connect_flow(connection.connection_id, error).await {
        Ok(recorded) => Some(recorded),
        Err(store_error) => {
            tracing::error!(error = %store_error, connection_id = %connection.connection_id, "recording a failed connect flow failed");
            None
        }
    };
    state.forget_connections(connection.account_id);
    tracing::info!(connection_id = %connection.connection_id, reason = failure.reason, "connect flow failed");
    // What the connection is now: a reconnect's failure leaves a connected one as it was.
    let status_now = recorded.as_ref().map_or(ConnectionStatus::Failed, |recorded| recorded.status);
    if let Some(redirect) = back_to_app(connection, status_now, Some(failure.reason)) {
        return redirect;
    }
    let next_step = match status_now {
        ConnectionStatus::Active => {
            "Your existing connection is unchanged and keeps working. To try again, ask the app that sent you here for a new connect link."
        }
        ConnectionStatus::Expired => {
            "The connection stays as it was (EXPIRED). To try again, ask the app that sent you here for a new connect link."
        }
        _ => "Nothing was stored. To try again, ask the app that sent you here for a new connect link.",
    };
    let status = match failure.reason {
        "access_denied" => StatusCode::OK,
        "duplicate_waba" => StatusCode::CONFLICT,
        _ => StatusCode::BAD_GATEWAY,
    };
    problem(status, title, &failure.description, next_step)
}

/// The app's `redirect_url` with the outcome in its query, as a 303, when the app gave one.
fn back_to_app(connection: &Connection, status: ConnectionStatus, error: Option<&str>) -> Option<Response> {
    let mut url = url::Url::parse(connection.options.redirect_url.as_deref()?).ok()?;
    {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("connection_id", &connection.connection_id.to_string())
            .append_pair("status", status.as_str());
        if let Some(error) = error {
            query.append_pair("error", error);
        }
    }
    Some(Redirect::to(url.as_str()).into_response())
}

fn success_page(metadata: &Value) -> Response {
    let numbers: Vec<String> = metadata["phone_numbers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|number| {
            format!(
                "<li>{} · {}</li>",
                escape(number["display_phone_number"].as_str().unwrap_or("")),
                escape(number["verified_name"].as_str().unwrap_or(""))
            )
        })
        .collect();
    let body = format!(
        "<h1 id=\"title\">WhatsApp Business connected</h1><p>These phone numbers can now be used through the gateway:</p>\
<ul id=\"phone-numbers\">{}</ul><p>You can close this window.</p>",
        numbers.concat()
    );
    page(StatusCode::OK, "WhatsApp Business connected", &body)
}

fn refused(error: ConnectSessionError) -> Response {
    match error {
        ConnectSessionError::Unknown => problem(
            StatusCode::BAD_REQUEST,
            "This sign-in answer is not valid",
            "Its state does not match any connect link opened here; it may have been forged.",
            "Start again from the connection's link.",
        ),
        ConnectSessionError::AlreadyUsed => problem(
            StatusCode::CONFLICT,
            "This sign-in answer was already used",
            "Each answer from Meta completes a connection once.",
            "If the connection is not ACTIVE, ask for a new connect link.",
        ),
        ConnectSessionError::Expired => problem(
            StatusCode::GONE,
            "This connect link has expired",
            "The sign-in took longer than the link is valid.",
            "Ask for a new connect link.",
        ),
        ConnectSessionError::Replaced => problem(
            StatusCode::GONE,
            "This connect link was replaced",
            "A newer link was issued for this connection while you were signing in, which ends this one.",
            "Use the newest link you were given. Nothing was stored.",
        ),
        ConnectSessionError::Store(error) => {
            tracing::error!(error = %error, "completing a connect session failed");
            problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "Something went wrong",
                "The gateway could not read the connection.",
                "Try again in a moment.",
            )
        }
    }
}
