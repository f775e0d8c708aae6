//! Which token a Graph call presents (`Authorization: Bearer …` or `access_token=`) and
//! what the sandbox knows about it, including app tokens, which are never stored in the
//! [`crate::tokens::TokenRegistry`] when given literally as `{app_id}|{app_secret}`.

use axum::http::{HeaderMap, header};

use crate::state::SandboxState;
use crate::tokens::{TokenInfo, TokenKind, TokenRejection};

use super::GraphError;

/// The token of a request: the `Authorization: Bearer` header wins over `access_token`,
/// as Graph reads the header first.
pub fn presented_token(headers: &HeaderMap, access_token_param: Option<&str>) -> Option<String> {
    let from_header = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("OAuth ")))
        .map(str::trim);
    from_header.or(access_token_param).filter(|token| !token.is_empty()).map(str::to_owned)
}

/// What the sandbox knows about `token`, valid or not: a registry entry, or a literal app token.
pub fn lookup(state: &SandboxState, token: &str) -> Option<TokenInfo> {
    state.tokens().get(token).or_else(|| {
        state.oauth().apps().app_for_literal_token(token).map(|app| TokenInfo {
            kind: TokenKind::App,
            app_id: app.app_id,
            user_id: String::new(),
            scopes: Vec::new(),
            waba_ids: Vec::new(),
            issued_at: 0,
            expires_at: None,
        })
    })
}

/// Checks a presented token as every Graph endpoint does: missing → 104, unknown → 190,
/// expired → 190/463.
pub fn authorize(state: &SandboxState, token: Option<&str>) -> Result<TokenInfo, GraphError> {
    let now = state.clock().unix();
    let token = token.filter(|token| !token.is_empty()).ok_or(GraphError::token_required())?;
    let info = lookup(state, token).ok_or(GraphError::token_unparsable())?;
    match info.expires_at {
        Some(expired_at) if info.is_expired_at(now) => {
            Err(GraphError::from_rejection(&TokenRejection::Expired { expired_at }, now))
        }
        _ => Ok(info),
    }
}
