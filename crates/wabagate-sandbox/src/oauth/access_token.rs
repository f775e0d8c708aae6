//! `/{version}/oauth/access_token`: the authorization-code exchange, the long-lived
//! exchange (`grant_type=fb_exchange_token`) and app tokens (`client_credentials`), with
//! Meta's error for each way they fail (meta-oauth-and-webhooks.md §4).

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::Uri;
use rand::Rng;
use serde_json::{Value, json};

use crate::state::SandboxState;
use crate::tokens::{TokenInfo, TokenKind};

use super::GraphError;
use super::apps::MetaApp;
use super::codes::CodeRejection;

/// GET or POST; parameters come from the query string and, for POST, a form body
/// (body values win), as Graph accepts both.
pub(super) async fn exchange(
    State(state): State<SandboxState>,
    uri: Uri,
    body: Bytes,
) -> Result<Json<Value>, GraphError> {
    let params = request_parameters(&uri, &body);
    let param = |name: &str| params.get(name).map(String::as_str).filter(|value| !value.is_empty());

    let app = authenticate_client(&state, param("client_id"), param("client_secret"))?;
    match param("grant_type") {
        None | Some("authorization_code") => exchange_code(&state, &app, param("code"), param("redirect_uri")),
        Some("fb_exchange_token") => extend_user_token(&state, &app, param("fb_exchange_token")),
        Some("client_credentials") => Ok(issue_app_token(&state, &app)),
        Some(other) => Err(GraphError::oauth_invalid_parameter(format!("Unsupported grant_type: {other}"))),
    }
}

fn request_parameters(uri: &Uri, body: &[u8]) -> HashMap<String, String> {
    let query = uri.query().unwrap_or_default().as_bytes();
    url::form_urlencoded::parse(query).into_owned().chain(url::form_urlencoded::parse(body).into_owned()).collect()
}

fn authenticate_client(
    state: &SandboxState,
    client_id: Option<&str>,
    client_secret: Option<&str>,
) -> Result<MetaApp, GraphError> {
    let client_id = client_id.ok_or(GraphError::oauth_missing_parameter("client_id"))?;
    let app = state.oauth().apps().get(client_id).ok_or(GraphError::invalid_application_id())?;
    let client_secret = client_secret.ok_or(GraphError::oauth_missing_parameter("client_secret"))?;
    if client_secret != app.app_secret {
        return Err(GraphError::invalid_client_secret());
    }
    Ok(app)
}

fn exchange_code(
    state: &SandboxState,
    app: &MetaApp,
    code: Option<&str>,
    redirect_uri: Option<&str>,
) -> Result<Json<Value>, GraphError> {
    let code = code.ok_or(GraphError::oauth_missing_parameter("code"))?;
    let now = state.clock().unix();
    let grant =
        state.oauth().codes().redeem(code, &app.app_id, redirect_uri, now).map_err(|rejection| match rejection {
            CodeRejection::Unknown => GraphError::invalid_code_format(),
            CodeRejection::Used => GraphError::code_used(),
            CodeRejection::Expired => GraphError::code_expired(),
            CodeRejection::RedirectMismatch => GraphError::redirect_uri_mismatch(),
        })?;
    // Business (system-user) tokens from Embedded Signup never expire, and Meta then
    // leaves `expires_in` out of the response.
    let expires_at = match grant.token_kind {
        TokenKind::User => Some(now + state.oauth().lifetimes().short_lived_token),
        TokenKind::SystemUser | TokenKind::App => None,
    };
    let token = state.tokens().issue(TokenInfo {
        kind: grant.token_kind,
        app_id: grant.app_id,
        user_id: grant.user_id,
        scopes: grant.scopes,
        waba_ids: grant.waba_ids,
        issued_at: now,
        expires_at,
    });
    Ok(token_response(&token, expires_at.map(|at| at - now)))
}

fn extend_user_token(state: &SandboxState, app: &MetaApp, token: Option<&str>) -> Result<Json<Value>, GraphError> {
    let token = token.ok_or(GraphError::oauth_missing_parameter("fb_exchange_token"))?;
    let now = state.clock().unix();
    let info = super::bearer::authorize(state, Some(token))?;
    if info.app_id != app.app_id {
        return Err(GraphError::token_of_another_app());
    }
    if info.kind != TokenKind::User {
        return Err(GraphError::oauth_invalid_parameter(
            "Only user access tokens can be exchanged for a long-lived token.",
        ));
    }
    let lifetimes = state.oauth().lifetimes();
    // Exchanging a token that is already long-lived yields the same expiry, not a new 60 days.
    let already_long_lived =
        info.expires_at.is_none_or(|expires_at| expires_at - info.issued_at > lifetimes.short_lived_token);
    let expires_at = if already_long_lived { info.expires_at } else { Some(now + lifetimes.long_lived_token) };
    let token = state.tokens().issue(TokenInfo { issued_at: now, expires_at, ..info });
    Ok(token_response(&token, expires_at.map(|at| at - now)))
}

fn issue_app_token(state: &SandboxState, app: &MetaApp) -> Json<Value> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    let mut rng = rand::thread_rng();
    let tail: String = (0..27).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect();
    let token = format!("{}|{tail}", app.app_id);
    state.tokens().insert(
        token.clone(),
        TokenInfo {
            kind: TokenKind::App,
            app_id: app.app_id.clone(),
            user_id: String::new(),
            scopes: Vec::new(),
            waba_ids: Vec::new(),
            issued_at: state.clock().unix(),
            expires_at: None,
        },
    );
    token_response(&token, None)
}

fn token_response(token: &str, expires_in: Option<i64>) -> Json<Value> {
    let mut body = json!({ "access_token": token, "token_type": "bearer" });
    if let Some(expires_in) = expires_in {
        body["expires_in"] = expires_in.into();
    }
    Json(body)
}
