//! The control API: an account's connections, with the hosted product's paths and shapes.
//!
//! `GET/POST /connections`, `GET/DELETE /connections/{id}`. Another account's connection is
//! answered exactly as one that does not exist (404, never 403), so ids leak nothing.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use wabagate_store::{Connection, ConnectionStatus, FlowSecret, StoreError, Timestamp};

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

/// A connection as the hosted product shows it: exactly these fields.
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

#[derive(Deserialize)]
struct ListFilter {
    app: Option<String>,
    status: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    Authenticated(account): Authenticated,
    Query(filter): Query<ListFilter>,
) -> Result<Json<ConnectionList>, ApiError> {
    let app = filter.app.filter(|app| !app.is_empty());
    if let Some(app) = &app {
        check_app(app)?;
    }
    let status = match filter.status.as_deref().filter(|status| !status.is_empty()) {
        None => None,
        Some(name) => Some(ConnectionStatus::parse(&name.to_ascii_uppercase()).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_status",
                format!("Unknown status {name:?}: use PENDING, ACTIVE, FAILED or EXPIRED."),
            )
        })?),
    };
    let connections = state.store().list_connections(account.account_id, app.as_deref(), status).await?;
    let connections = connections.into_iter().map(|connection| ConnectionView::new(&state, connection)).collect();
    Ok(Json(ConnectionList { connections }))
}

#[derive(Deserialize)]
struct NewConnection {
    app: Option<String>,
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
    let connection =
        state.store().create_connection(account.account_id, &app, state.config().connect_session_ttl).await?;
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
/// business's integrations keep its id. The status stays truthful until the flow completes.
async fn reconnect(
    State(state): State<AppState>,
    Authenticated(account): Authenticated,
    Path(connection_id): Path<String>,
) -> Result<Json<OneConnection>, ApiError> {
    let connection_id = parse_connection_id(&connection_id)?;
    let connection = state
        .store()
        .issue_connect_session(account.account_id, connection_id, state.config().connect_session_ttl)
        .await
        .map_err(not_found(connection_id))?;
    Ok(Json(OneConnection { connection: ConnectionView::new(&state, connection) }))
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
