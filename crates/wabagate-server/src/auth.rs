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
        let key = presented_key(header.as_bytes())?;
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

/// The API key in an `Authorization` header's value: `Bearer <key>`, the scheme in any letter
/// case, the key's shape and checksum checked (no lookup).
fn presented_key(header: &[u8]) -> Result<ApiKey, ApiError> {
    let presented = std::str::from_utf8(header)
        .ok()
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, credentials)| credentials.trim())
        .ok_or(ApiError::InvalidApiKey("the Authorization header must be `Bearer <API key>`."))?;
    if presented.is_empty() {
        return Err(ApiError::MissingApiKey);
    }
    ApiKey::parse(presented).map_err(|malformed| {
        ApiError::InvalidApiKey(match malformed {
            MalformedKey::Checksum => "its checksum does not match; it was mistyped or truncated.",
            _ => "it is not a wabagate API key (they start with `wbg_`).",
        })
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Hostile `Authorization` values, one JSON string a line (`#` lines are comments).
    const CORPUS: &str = include_str!("../corpus/authorization.jsonl");

    /// What a well-formed key is, written out independently of the parser.
    fn well_formed(key: &str) -> bool {
        key.strip_prefix("wbg_")
            .is_some_and(|body| body.len() == 38 && body.bytes().all(|byte| byte.is_ascii_alphanumeric()))
    }

    /// The property: no input panics, and whatever is accepted is a well-formed key that was
    /// in the header after a bearer scheme.
    fn check(header: &[u8]) -> Result<(), TestCaseError> {
        if let Ok(key) = presented_key(header) {
            prop_assert!(well_formed(key.expose()), "accepted {:?}", key.expose());
            let text = std::str::from_utf8(header).unwrap();
            prop_assert!(text[..6].eq_ignore_ascii_case("bearer"));
            prop_assert_eq!(text[6..].trim(), key.expose());
        }
        Ok(())
    }

    #[test]
    fn the_corpus_is_refused_or_well_formed() {
        let valid = ApiKey::generate();
        for line in CORPUS.lines().filter(|line| !line.trim().is_empty() && !line.starts_with('#')) {
            let value: String = serde_json::from_str(line).unwrap_or_else(|error| panic!("{line}: {error}"));
            let value = value.replace("{valid}", valid.expose());
            check(value.as_bytes()).unwrap();
        }
    }

    #[test]
    fn generated_keys_pass_in_any_scheme_case() {
        let key = ApiKey::generate();
        for scheme in ["Bearer", "bearer", "BEARER"] {
            let accepted = presented_key(format!("{scheme} {}", key.expose()).as_bytes()).unwrap();
            assert_eq!(accepted.expose(), key.expose());
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_bytes_never_panic_and_never_pass(header in proptest::collection::vec(any::<u8>(), 0..80)) {
            check(&header)?;
        }

        #[test]
        fn key_like_values_pass_only_when_well_formed(
            scheme in "(?i)bearer|basic|token|",
            separator in " |  |\\t|",
            key in "wbg_[0-9A-Za-z]{36,40}|wbg_[0-9A-Za-z%./@\\x00-\\x1f\u{80}-\u{10ffff}]{38}",
        ) {
            check(format!("{scheme}{separator}{key}").as_bytes())?;
        }

        /// One character changed in a real key is always refused (the checksum catches it).
        #[test]
        fn a_changed_character_is_refused(position in 4usize..42, replacement in "[0-9A-Za-z]") {
            let key = ApiKey::generate();
            let mut changed = key.expose().to_owned();
            changed.replace_range(position..=position, &replacement);
            prop_assume!(changed != key.expose());
            let header = format!("Bearer {changed}");
            prop_assert!(presented_key(header.as_bytes()).is_err());
        }
    }
}
