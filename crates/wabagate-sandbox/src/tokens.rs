//! Access tokens as Meta issues them: each knows who it belongs to, which app minted it,
//! which scopes it carries, which WABAs it may act on and when it expires.
//!
//! Graph handlers ask [`TokenRegistry::authorize`] for every call; the OAuth endpoints mint
//! user tokens with [`TokenRegistry::issue`]. The registry is a concurrent map so that
//! thousands of sends a second never queue behind one lock.

use dashmap::DashMap;
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::clock::Clock;

/// What kind of principal a token stands for (Meta's `type` in `debug_token`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TokenKind {
    /// A person's token from the OAuth dialog; short-lived (about 1 hour) or long-lived (about 60 days).
    User,
    /// A business's System User token: never expires unless revoked.
    SystemUser,
    /// `app_id|app_secret`: the app itself.
    App,
}

/// Everything Meta knows about one token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenInfo {
    pub kind: TokenKind,
    pub app_id: String,
    /// The user or system user the token acts for.
    pub user_id: String,
    pub scopes: Vec<String>,
    /// The WABAs the token was granted (the `target_ids` of its granular scopes).
    pub waba_ids: Vec<String>,
    /// Unix seconds.
    pub issued_at: i64,
    /// Unix seconds; `None` never expires.
    pub expires_at: Option<i64>,
}

impl TokenInfo {
    /// Whether the token is past its expiry at `now` (Unix seconds).
    pub fn is_expired_at(&self, now: i64) -> bool {
        self.expires_at.is_some_and(|expires_at| now >= expires_at)
    }

    /// Whether the token may act on the given WABA.
    pub fn may_use_waba(&self, waba_id: &str) -> bool {
        self.waba_ids.iter().any(|id| id == waba_id)
    }
}

/// Why a presented token was refused; the Graph handlers turn this into Meta's error 190.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenRejection {
    /// No token in the `Authorization` header nor the `access_token` query parameter.
    Missing,
    /// A token Meta never issued, or one that was invalidated.
    Invalid,
    /// A token whose expiry has passed (Meta's subcode 463).
    Expired { expired_at: i64 },
}

/// The tokens the sandbox has issued.
#[derive(Debug, Default)]
pub struct TokenRegistry {
    tokens: DashMap<String, TokenInfo>,
}

impl TokenRegistry {
    /// Mints a new random token in Meta's shape (`EAA…`) and remembers it.
    pub fn issue(&self, info: TokenInfo) -> String {
        let token = new_token_string();
        self.tokens.insert(token.clone(), info);
        token
    }

    /// Remembers a token with a fixed value (the seeded demo token, or one restored from a state file).
    pub fn insert(&self, token: String, info: TokenInfo) {
        self.tokens.insert(token, info);
    }

    /// Looks a token up without judging it (for `debug_token`, which reports on expired tokens too).
    pub fn get(&self, token: &str) -> Option<TokenInfo> {
        self.tokens.get(token).map(|entry| entry.value().clone())
    }

    /// Checks a token presented on a Graph call.
    pub fn authorize(&self, token: Option<&str>, clock: &Clock) -> Result<TokenInfo, TokenRejection> {
        let token = token.filter(|token| !token.is_empty()).ok_or(TokenRejection::Missing)?;
        let info = self.get(token).ok_or(TokenRejection::Invalid)?;
        match info.expires_at {
            Some(expired_at) if info.is_expired_at(clock.unix()) => Err(TokenRejection::Expired { expired_at }),
            _ => Ok(info),
        }
    }

    /// Forgets a token, as when a user removes the app.
    pub fn revoke(&self, token: &str) -> bool {
        self.tokens.remove(token).is_some()
    }

    /// A snapshot of every token, for the state file.
    pub fn snapshot(&self) -> Vec<(String, TokenInfo)> {
        self.tokens.iter().map(|entry| (entry.key().clone(), entry.value().clone())).collect()
    }
}

/// Meta's user tokens start with `EAA` followed by a long alphanumeric tail.
fn new_token_string() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    let tail: String = (0..180).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect();
    format!("EAAG{tail}")
}
