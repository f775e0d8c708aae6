//! API keys: what they look like, how they are checked before any lookup, and how they
//! are stored (only a SHA-256 hash).
//!
//! A key is `wbg_` + 32 base62 characters of randomness (190 bits) + 6 base62 characters
//! of CRC32 checksum over the random part, as GitHub's tokens are built. The fixed prefix
//! lets secret scanners spot a leaked key; the checksum lets the gateway refuse a mistyped
//! or made-up key without touching the store.

use std::fmt;

use rand::Rng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The recognisable start of every wabagate API key.
pub const API_KEY_PREFIX: &str = "wbg_";
const RANDOM_LEN: usize = 32;
const CHECKSUM_LEN: usize = 6;
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// How many characters of a key are shown to humans (prefix included), e.g. in `admin keys list`.
const DISPLAY_LEN: usize = API_KEY_PREFIX.len() + 6;

/// A full API key. `Debug` and `Display` never show it; [`ApiKey::expose`] is the one way
/// to read it, used when the key is shown once to its owner.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

/// The SHA-256 of a key: what the store keeps and what caches are keyed by.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ApiKeyHash(pub(crate) [u8; 32]);

/// Why a presented string is not a well-formed key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MalformedKey {
    #[error("an API key starts with `wbg_`")]
    Prefix,
    #[error("an API key has 38 characters after `wbg_`")]
    Length,
    #[error("an API key holds only letters and digits after `wbg_`")]
    Alphabet,
    #[error("the API key's checksum does not match: it was mistyped or truncated")]
    Checksum,
}

impl ApiKey {
    /// A new random key.
    pub fn generate() -> Self {
        let mut rng = rand::thread_rng();
        let random: String = (0..RANDOM_LEN).map(|_| BASE62[rng.gen_range(0..BASE62.len())] as char).collect();
        let checksum = checksum_of(&random);
        Self(format!("{API_KEY_PREFIX}{random}{checksum}"))
    }

    /// Checks the shape and the checksum of a presented key. No store lookup happens here.
    pub fn parse(presented: &str) -> Result<Self, MalformedKey> {
        let body = presented.strip_prefix(API_KEY_PREFIX).ok_or(MalformedKey::Prefix)?;
        if body.len() != RANDOM_LEN + CHECKSUM_LEN {
            return Err(MalformedKey::Length);
        }
        if !body.bytes().all(|byte| byte.is_ascii_alphanumeric()) {
            return Err(MalformedKey::Alphabet);
        }
        let (random, checksum) = body.split_at(RANDOM_LEN);
        if checksum_of(random).as_bytes().ct_eq(checksum.as_bytes()).into() {
            Ok(Self(presented.to_owned()))
        } else {
            Err(MalformedKey::Checksum)
        }
    }

    pub fn hash(&self) -> ApiKeyHash {
        ApiKeyHash(Sha256::digest(self.0.as_bytes()).into())
    }

    /// The start of the key, safe to show and log (`wbg_AbC123`).
    pub fn display_prefix(&self) -> &str {
        &self.0[..DISPLAY_LEN]
    }

    /// The key itself. Call only to hand it to its owner, once.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl ApiKeyHash {
    /// Compares in constant time, so the time taken says nothing about how much matched.
    pub fn matches(&self, other: &ApiKeyHash) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKey({}…)", self.display_prefix())
    }
}

impl fmt::Debug for ApiKeyHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKeyHash(…)")
    }
}

/// CRC32 of the random part, written as 6 base62 digits (62^6 > 2^32).
fn checksum_of(random: &str) -> String {
    let mut value = crc32fast::hash(random.as_bytes()) as u64;
    let mut digits = [b'0'; CHECKSUM_LEN];
    for digit in digits.iter_mut().rev() {
        *digit = BASE62[(value % 62) as usize];
        value /= 62;
    }
    String::from_utf8_lossy(&digits).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_parses_back() {
        let key = ApiKey::generate();
        assert_eq!(key.expose().len(), 4 + 38);
        assert_eq!(ApiKey::parse(key.expose()).map(|parsed| parsed.hash()), Ok(key.hash()));
    }

    #[test]
    fn a_mistyped_key_is_refused_by_its_checksum() {
        let key = ApiKey::generate();
        let mut chars: Vec<char> = key.expose().chars().collect();
        chars[10] = if chars[10] == 'a' { 'b' } else { 'a' };
        let mistyped: String = chars.into_iter().collect();
        assert_eq!(ApiKey::parse(&mistyped), Err(MalformedKey::Checksum));
    }

    #[test]
    fn keys_of_another_shape_are_refused() {
        assert_eq!(ApiKey::parse("sk_live_abc"), Err(MalformedKey::Prefix));
        assert_eq!(ApiKey::parse("wbg_short"), Err(MalformedKey::Length));
        assert_eq!(ApiKey::parse(&format!("wbg_{}", "-".repeat(38))), Err(MalformedKey::Alphabet));
    }

    #[test]
    fn debug_never_shows_the_secret_part() {
        let key = ApiKey::generate();
        let shown = format!("{key:?}");
        assert!(!shown.contains(&key.expose()[DISPLAY_LEN..]), "{shown}");
    }
}
