//! The connect link: `GET /connect?session_token=…` shows the page a business lands on, and
//! its Connect button (`POST /connect`) sends the browser on to Meta's dialog.
//!
//! Showing the page changes nothing, so a chat app's link preview cannot use the link up.
//! Pressing Connect uses it (a second press is refused) and mints the OAuth `state` that
//! binds Meta's answer to this session, so a forged or replayed callback cannot complete
//! someone else's connection. A press from another site's page is refused: a link must not
//! be pushed through Meta's dialog without its page being seen.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use url::Url;
use wabagate_store::{ConnectSessionError, FlowSecret};

use super::html::{escape, page, problem};
use super::{WHATSAPP_SCOPES, redirect_uri};
use crate::config::MetaApp;
use crate::state::AppState;

#[derive(Deserialize)]
pub(super) struct ConnectLink {
    session_token: Option<String>,
}

pub(super) async fn show(State(state): State<AppState>, Query(link): Query<ConnectLink>) -> Response {
    if state.config().meta_app.is_none() {
        return not_set_up();
    }
    let Some(session_token) = link.session_token.filter(|token| !token.is_empty()) else {
        return incomplete();
    };
    let session = match state.store().peek_connect_session(&FlowSecret::presented(&session_token)).await {
        Ok(session) => session,
        Err(error) => return refused(error),
    };
    let body = format!(
        "<h1 id=\"title\">Connect WhatsApp Business</h1>\
<p>Account <strong id=\"account\">{account}</strong> asks to connect a <strong>WhatsApp Business</strong> account, \
so it can send and receive WhatsApp messages through this gateway.</p>\
<p>Meta will ask you to allow:</p><ul id=\"permissions\">\
<li><strong>whatsapp_business_management</strong>: read your WhatsApp Business Account, its phone numbers and message templates</li>\
<li><strong>whatsapp_business_messaging</strong>: send and receive messages from your business phone numbers</li></ul>\
<form method=\"post\" action=\"connect\"><input type=\"hidden\" name=\"session_token\" value=\"{token}\">\
<p><button class=\"button\" id=\"connect\" type=\"submit\">Connect WhatsApp Business</button></p></form>\
<p class=\"muted\">Connection {connection_id}. This link works for one connection attempt.</p>",
        account = escape(&session.account_name),
        token = escape(&session_token),
        connection_id = session.connection.connection_id,
    );
    page(StatusCode::OK, "Connect WhatsApp Business", &body)
}

/// The Connect button: uses the link and sends the browser to Meta's dialog.
pub(super) async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(link): Form<ConnectLink>,
) -> Response {
    let Some(meta_app) = state.config().meta_app.clone() else {
        return not_set_up();
    };
    if !from_our_page(&state, &headers) {
        return problem(
            StatusCode::FORBIDDEN,
            "This connect request came from another site",
            "Connect links are used from the gateway's own page, so you can see who asks for access.",
            "Open the connection's link itself and press Connect there.",
        );
    }
    let Some(session_token) = link.session_token.filter(|token| !token.is_empty()) else {
        return incomplete();
    };
    let oauth_state = FlowSecret::generate();
    match state.store().open_connect_session(&FlowSecret::presented(&session_token), &oauth_state).await {
        Ok(_) => Redirect::to(dialog_url(&state, &meta_app, &oauth_state).as_str()).into_response(),
        Err(error) => refused(error),
    }
}

/// Whether a form post came from a page of this gateway: `Sec-Fetch-Site` where the browser
/// sends it, else `Origin`. A client with neither (a script, a test, an old browser) has no
/// other site's page to speak of.
fn from_our_page(state: &AppState, headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return site == "same-origin";
    }
    match headers.get(header::ORIGIN).map(|origin| origin.to_str()) {
        None => true,
        Some(Ok(origin)) => origin == state.config().public_url.origin().ascii_serialization(),
        Some(Err(_)) => false,
    }
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

fn not_set_up() -> Response {
    problem(
        StatusCode::SERVICE_UNAVAILABLE,
        "Connecting is not set up",
        "This gateway has no Meta app configured, so it cannot send you to Meta to connect.",
        "The operator sets --meta-app-id and --meta-app-secret (see the README).",
    )
}

fn incomplete() -> Response {
    problem(
        StatusCode::BAD_REQUEST,
        "This connect link is incomplete",
        "The link has no session token.",
        "Open the full url of the connection, as the API returned it.",
    )
}

fn refused(error: ConnectSessionError) -> Response {
    const ASK_AGAIN: &str = "Ask for a new link: the app that gave you this one can reconnect the connection (POST /connections/{id}/reconnect).";
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
            ASK_AGAIN,
        ),
        ConnectSessionError::Replaced => problem(
            StatusCode::GONE,
            "This connect link was replaced",
            "A newer link was issued for this connection, which ends the earlier ones.",
            "Use the newest link you were given, or ask for a new one.",
        ),
        ConnectSessionError::AlreadyUsed => problem(
            StatusCode::CONFLICT,
            "This connect link was already used",
            "For your security, each connect link can be used for one connection attempt only.",
            ASK_AGAIN,
        ),
        ConnectSessionError::Store(error) => {
            tracing::error!(error = %error, "reading a connect session failed");
            problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "Something went wrong",
                "The gateway could not read the connection.",
                "Try again in a moment.",
            )
        }
    }
}
