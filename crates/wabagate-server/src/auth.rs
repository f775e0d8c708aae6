//! API key authentication, as an extractor: a handler that takes [`Authenticated`] runs
//! only for a live key, and knows its account.
//!
//! The key's checksum is checked before any lookup, so a mistyped or invented key costs
//! no store query. The key itself is hashed at once and never logged.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use wabagate_store::{Account, ApiKey, MalformedKey};

use crate::error::ApiError;
use crate::observe::AccessNote;
use crate::state::AppState;

/// The account whose API key authenticated the request.
#[derive(Debug, Clone)]
pub(crate) struct Authenticated(pub(crate) Account);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts.headers.get(AUTHORIZATION).ok_or(ApiError::MissingApiKey)?;
        let presented = header
            .to_str()
            .ok()
            .and_then(|value| value.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, credentials)| credentials.trim())
            .ok_or(ApiError::InvalidApiKey("the Authorization header must be `Bearer <API key>`."))?;
        if presented.is_empty() {
            return Err(ApiError::MissingApiKey);
        }
        let key = ApiKey::parse(presented).map_err(|malformed| {
            ApiError::InvalidApiKey(match malformed {
                MalformedKey::Checksum => "its checksum does not match; it was mistyped or truncated.",
                _ => "it is not a wabagate API key (they start with `wbg_`).",
            })
        })?;
        let account = state
            .account_for_key(key.hash())
            .await?
            .ok_or(ApiError::InvalidApiKey("the key is unknown or has been revoked."))?;
        if let Some(note) = parts.extensions.get::<AccessNote>() {
            note.set_account(account.account_id);
        }
        Ok(Self(account))
    }
}
