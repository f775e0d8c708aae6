//! `GET /connect?session_token=…`: the page a business lands on from a connection's url.
//!
//! Opening it uses the link up (a second open is refused) and mints the OAuth `state` that
//! binds Meta's answer to this session, so a forged or replayed callback cannot complete
//! someone else's connection.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use url::Url;
use wabagate_store::{ConnectSessionError, FlowSecret};

use super::html::{escape, page, problem};
use super::{WHATSAPP_SCOPES, redirect_uri};
use crate::config::MetaApp;
use crate::state::AppState;

#[derive(Deserialize)]
pub(super) struct ConnectQuery {
    session_token: Option<String>,
}

pub(super) async fn show(State(state): State<AppState>, Query(query): Query<ConnectQuery>) -> Response {
    let Some(meta_app) = state.config().meta_app.clone() else {
        return problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "Connecting is not set up",
            "This gateway has no Meta app configured, so it cannot send you to Meta to connect.",
            "The operator sets --meta-app-id and --meta-app-secret (see the README).",
        );
    };
    let Some(session_token) = query.session_token.filter(|token| !token.is_empty()) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "This connect link is incomplete",
            "The link has no session token.",
            "Open the full url of the connection, as the API returned it.",
        );
    };
    let oauth_state = FlowSecret::generate();
    let session = match state.store().open_connect_session(&FlowSecret::presented(&session_token), &oauth_state).await {
        Ok(session) => session,
        Err(error) => return refused(error),
    };
    let dialog = dialog_url(&state, &meta_app, &oauth_state);
    let body = format!(
        "<h1 id=\"title\">Connect WhatsApp Business</h1>\
<p>Account <strong id=\"account\">{account}</strong> asks to connect a <strong>WhatsApp Business</strong> account, \
so it can send and receive WhatsApp messages through this gateway.</p>\
<p>Meta will ask you to allow:</p><ul id=\"permissions\">\
<li><strong>whatsapp_business_management</strong>: read your WhatsApp Business Account, its phone numbers and message templates</li>\
<li><strong>whatsapp_business_messaging</strong>: send and receive messages from your business phone numbers</li></ul>\
<p><a class=\"button\" id=\"connect\" href=\"{dialog}\">Connect WhatsApp Business</a></p>\
<p class=\"muted\">Connection {connection_id}. This link works once.</p>",
        account = escape(&session.account_name),
        dialog = escape(dialog.as_str()),
        connection_id = session.connection.connection_id,
    );
    page(StatusCode::OK, "Connect WhatsApp Business", &body)
}

/// Meta's login dialog for this session: Embedded Signup when a configuration is set,
/// classic Facebook Login for Business with the WhatsApp scopes otherwise.
fn dialog_url(state: &AppState, meta_app: &MetaApp, oauth_state: &FlowSecret) -> Url {
    let mut url = meta_app.oauth_base.clone();
    url.set_path(&format!("/{}/dialog/oauth", state.config().graph_version));
    {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("client_id", &meta_app.app_id)
            .append_pair("redirect_uri", &redirect_uri(state))
            .append_pair("state", oauth_state.expose())
            .append_pair("response_type", "code");
        match &meta_app.config_id {
            Some(config_id) => {
                query
                    .append_pair("config_id", config_id)
                    .append_pair("override_default_response_type", "true")
                    .append_pair("extras", r#"{"setup":{},"featureType":"","sessionInfoVersion":"3"}"#);
            }
            None => {
                query.append_pair("scope", &WHATSAPP_SCOPES.join(","));
            }
        }
    }
    url
}

fn refused(error: ConnectSessionError) -> Response {
    match error {
        ConnectSessionError::Unknown => problem(
            StatusCode::NOT_FOUND,
            "This connect link is not valid",
            "The link does not match any connection waiting to be connected.",
            "Check that you opened the whole link, or ask for a new one.",
        ),
        ConnectSessionError::Expired => problem(
            StatusCode::GONE,
            "This connect link has expired",
            "Connect links work for a limited time.",
            "Ask for a new link: the app that gave you this one can reconnect the connection (POST /connections/{id}/reconnect).",
        ),
        ConnectSessionError::AlreadyUsed => problem(
            StatusCode::CONFLICT,
            "This connect link was already used",
            "For your security, each connect link can be opened only once.",
            "Ask for a new link: the app that gave you this one can reconnect the connection (POST /connections/{id}/reconnect).",
        ),
        ConnectSessionError::Store(error) => {
            tracing::error!(error = %error, "opening a connect session failed");
            problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "Something went wrong",
                "The gateway could not read the connection.",
                "Try again in a moment.",
            )
        }
    }
}
