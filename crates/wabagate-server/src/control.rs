//! The control API: an account's connections, with the hosted product's paths and shapes.
//!
//! `GET/POST /connections`, `GET/DELETE /connections/{id}`. Another account's connection is
//! answered exactly as one that does not exist (404, never 403), so ids leak nothing.
//! [`connection_options`] checks what an app attaches to a connection.

mod connection_options;

use std::collections::BTreeMap;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use wabagate_store::{Connection, ConnectionFilter, ConnectionStatus, FlowSecret, StoreError, Timestamp};

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::gateway::APP;
use crate::observe::AccessNote;
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/connections", get(list).post(create))
        .route("/connections/{connection_id}", get(show).delete(delete))
        .route("/connections/{connection_id}/reconnect", axum::routing::post(reconnect))
}

/// A connection as the hosted product shows it, plus what an app attached to it
/// (`redirect_url`, `tags`, `end_user_id`) after the hosted product's fields.
#[derive(Debug, Serialize)]
pub struct ConnectionView {
    pub connection_id: Uuid,
    pub status: ConnectionStatus,
    pub creation_time: Timestamp,
    pub last_updated_time: Timestamp,
    /// The connect link, for connections made through the browser flow; `null` for
    /// connections imported by an operator.
    pub url: Option<String>,
    pub app: String,
    pub metadata: serde_json::Value,
    pub redirect_url: Option<String>,
    pub tags: BTreeMap<String, String>,
    pub end_user_id: Option<String>,
}

impl ConnectionView {
    pub fn new(state: &AppState, connection: Connection) -> Self {
        let url = connection.connect_token.as_ref().map(|token| connect_url(state, token));
        Self {
            connection_id: connection.connection_id,
            status: connection.status,
            creation_time: connection.creation_time,
            last_updated_time: connection.last_updated_time,
            url,
            app: connection.app,
            metadata: connection.metadata,
            redirect_url: connection.options.redirect_url,
            tags: connection.options.tags,
            end_user_id: connection.options.end_user_id,
        }
    }
}

/// Where a person finishes (or redoes) a connection in the browser.
fn connect_url(state: &AppState, token: &FlowSecret) -> String {
    let mut url = state.config().public_url.join("connect").expect("`connect` is a valid relative URL");
    url.query_pairs_mut().append_pair("session_token", token.expose());
    url.into()
}

#[derive(Serialize)]
struct OneConnection {
    connection: ConnectionView,
}

#[derive(Serialize)]
struct ConnectionList {
    connections: Vec<ConnectionView>,
}

/// `GET /connections?app=…&status=…&tag.NAME=VALUE…`, every filter optional.
async fn list(
    State(state): State<AppState>,
    Authenticated(account): Authenticated,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Json<ConnectionList>, ApiError> {
    let named = |name: &str| query.iter().find(|(key, value)| key == name && !value.is_empty()).map(|(_, value)| value);
    let app = named("app");
    if let Some(app) = app {
        check_app(app)?;
    }
    let status = match named("status") {
        None => None,
        Some(name) => Some(ConnectionStatus::parse(&name.to_ascii_uppercase()).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_status",
                format!("Unknown status {name:?}: use PENDING, ACTIVE, FAILED or EXPIRED."),
            )
        })?),
    };
    let tags = connection_options::tag_filters(&query)?;
    let filter = ConnectionFilter { app: app.map(String::as_str), status, tags: &tags };
    let connections = state.store().find_connections(account.account_id, &filter).await?;
    let connections = connections.into_iter().map(|connection| ConnectionView::new(&state, connection)).collect();
    Ok(Json(ConnectionList { connections }))
}

#[derive(Deserialize)]
struct NewConnection {
    app: Option<String>,
    #[serde(flatten)]
    options: connection_options::RequestedOptions,
}

async fn create(
    State(state): State<AppState>,
    Authenticated(account): Authenticated,
    axum::Extension(note): axum::Extension<AccessNote>,
    body: Bytes,
) -> Result<(axum::http::StatusCode, Json<OneConnection>), ApiError> {
    let request: NewConnection = serde_json::from_slice(&body).map_err(|error| {
        ApiError::bad_request(
            "invalid_json",
            format!("The body must be JSON such as {{\"app\":\"whatsapp-business\"}}: {error}"),
        )
    })?;
    let app = request.app.ok_or_else(|| {
        ApiError::bad_request("missing_app", "Name the app to connect: {\"app\":\"whatsapp-business\"}.")
    })?;
    check_app(&app)?;
    require_connect_flow(&state)?;
    let options = request.options.check(state.config())?;
    let connection = state
        .store()
        .create_connection_with(account.account_id, &app, &options, state.config().connect_session_ttl)
        .await?;
    note.set_connection(connection.connection_id);
    state.forget_connections(account.account_id);
    Ok((axum::http::StatusCode::OK, Json(OneConnection { connection: ConnectionView::new(&state, connection) })))
}

async fn show(
    State(state): State<AppState>,
    Authenticated(account): Authenticated,
    Path(connection_id): Path<String>,
) -> Result<Json<OneConnection>, ApiError> {
    let connection_id = parse_connection_id(&connection_id)?;
    let connection =
        state.store().get_connection(account.account_id, connection_id).await.map_err(not_found(connection_id))?;
    Ok(Json(OneConnection { connection: ConnectionView::new(&state, connection) }))
}

async fn delete(
    State(state): State<AppState>,
    Authenticated(account): Authenticated,
    Path(connection_id): Path<String>,
) -> Result<Json<OneConnection>, ApiError> {
    let connection_id = parse_connection_id(&connection_id)?;
    let connection =
        state.store().delete_connection(account.account_id, connection_id).await.map_err(not_found(connection_id))?;
    state.forget_connections(account.account_id);
    Ok(Json(OneConnection { connection: ConnectionView::new(&state, connection) }))
}

/// `POST /connections/{id}/reconnect`: a fresh connect url for the same connection, so the
/// business's integrations keep its id. The status stays truthful until the flow completes,
/// and the earlier links stop working.
async fn reconnect(
    State(state): State<AppState>,
    Authenticated(account): Authenticated,
    Path(connection_id): Path<String>,
) -> Result<Json<OneConnection>, ApiError> {
    let connection_id = parse_connection_id(&connection_id)?;
    require_connect_flow(&state)?;
    let connection = state
        .store()
        .issue_connect_session(account.account_id, connection_id, state.config().connect_session_ttl)
        .await
        .map_err(not_found(connection_id))?;
    Ok(Json(OneConnection { connection: ConnectionView::new(&state, connection) }))
}

/// A connect link is only worth handing out when the gateway can send its business to Meta.
fn require_connect_flow(state: &AppState) -> Result<(), ApiError> {
    match state.config().meta_app {
        Some(_) => Ok(()),
        None => Err(ApiError::bad_request(
            "connect_not_configured",
            "This gateway has no Meta app configured, so a connect link could not work. The operator sets --meta-app-id and WABAGATE_META_APP_SECRET (see the README); meanwhile `wabagate admin connections import` stores a System User token.",
        )),
    }
}

fn check_app(app: &str) -> Result<(), ApiError> {
    if app == APP {
        Ok(())
    } else {
        Err(ApiError::bad_request("unknown_app", format!("Unknown app {app:?}: wabagate connects \"{APP}\".")))
    }
}

fn parse_connection_id(text: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(text).map_err(|_| ApiError::InvalidConnectionId)
}

fn not_found(connection_id: Uuid) -> impl FnOnce(StoreError) -> ApiError {
    move |error| match error {
        StoreError::NotFound => ApiError::ConnectionNotFound(connection_id),
        other => other.into(),
    }
}
