//! `GET /oauth/callback`: where Meta's dialog sends the browser back.
//!
//! The `state` must be the one minted for an opened session, and it works once. Then, with
//! the app secret: code → token, short-lived → long-lived, `debug_token` for expiry, scopes
//! and granted WABAs, each WABA's phone numbers, and the app subscribed to each WABA's
//! webhooks. Only when all of that succeeded is the token stored and the connection ACTIVE;
//! any failure leaves it FAILED with the reason in `metadata.error`, nothing half-stored.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use wabagate_store::{AccessToken, ConnectSessionError, Connection, FlowSecret, Timestamp};

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
        let failure = Failure {
            reason: if error == "access_denied" { "access_denied" } else { "dialog_error" },
            description: query
                .error_description
                .or(query.error_reason)
                .unwrap_or_else(|| format!("Meta's dialog answered {error}.")),
        };
        return record_failure(&state, &connection, failure, "You did not connect WhatsApp Business").await;
    }
    let Some(code) = query.code.filter(|code| !code.is_empty()) else {
        let failure =
            Failure { reason: "missing_code", description: "Meta's answer carries no authorization code.".into() };
        return record_failure(&state, &connection, failure, "Connecting failed").await;
    };

    match connect(&state, &meta_app, &code).await {
        Ok((token, metadata, expires_at)) => {
            match state
                .store()
                .activate_connection(connection.connection_id, &token, metadata.clone(), expires_at)
                .await
            {
                Ok(_) => {
                    state.forget_connections(connection.account_id);
                    success_page(&metadata)
                }
                Err(error) => {
                    tracing::error!(error = %error, connection_id = %connection.connection_id, "storing a connected token failed");
                    let failure = Failure {
                        reason: "store_failed",
                        description: "The gateway could not store the connection.".into(),
                    };
                    record_failure(&state, &connection, failure, "Connecting failed").await
                }
            }
        }
        Err(failure) => record_failure(&state, &connection, failure, "Connecting failed").await,
    }
}

/// Everything after the code: the token, the connection's metadata and the token's expiry.
async fn connect(
    state: &AppState,
    meta_app: &MetaApp,
    code: &str,
) -> Result<(AccessToken, Value, Option<Timestamp>), Failure> {
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
        return Err(Failure {
            reason: "missing_scopes",
            description: format!("Meta did not grant {}; allow every permission asked for.", missing.join(" and ")),
        });
    }
    let waba_ids = discovery::granted_wabas(&inspection);
    if waba_ids.is_empty() {
        return Err(Failure {
            reason: "no_waba",
            description: "No WhatsApp Business Account was shared; pick one in Meta's dialog.".into(),
        });
    }
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

fn read_token(answer: &Value) -> Result<(AccessToken, Option<i64>), Failure> {
    let token =
        answer.get("access_token").and_then(Value::as_str).filter(|token| !token.is_empty()).ok_or(Failure {
            reason: "code_exchange_failed",
            description: "Meta's token answer carries no access_token.".into(),
        })?;
    Ok((AccessToken::new(token), answer.get("expires_in").and_then(Value::as_i64)))
}

fn graph_failure(reason: &'static str, error: GraphCallError) -> Failure {
    let description = match error {
        GraphCallError::Unreachable(_) => "Meta could not be reached; try again in a moment.".to_owned(),
        GraphCallError::Refused { message, code, .. } => format!("Meta answered: {message} (code {code})."),
    };
    Failure { reason, description }
}

async fn record_failure(state: &AppState, connection: &Connection, failure: Failure, title: &str) -> Response {
    let error = json!({"reason": failure.reason, "description": failure.description});
    if let Err(store_error) = state.store().fail_connection(connection.connection_id, error).await {
        tracing::error!(error = %store_error, connection_id = %connection.connection_id, "recording a failed connect flow failed");
    }
    state.forget_connections(connection.account_id);
    tracing::info!(connection_id = %connection.connection_id, reason = failure.reason, "connect flow failed");
    let status = if failure.reason == "access_denied" { StatusCode::OK } else { StatusCode::BAD_GATEWAY };
    problem(
        status,
        title,
        &failure.description,
        "Nothing was stored. To try again, ask the app that sent you here for a new connect link.",
    )
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
