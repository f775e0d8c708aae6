//! Meta access tokens, and how they are sealed at rest.
//!
//! Tokens are encrypted with XChaCha20-Poly1305 (random 192-bit nonces, so no nonce
//! bookkeeping) under a master key; the connection id is the associated data. Each
//! ciphertext records the id of the key that sealed it, so a new key can be introduced
//! while old ciphertexts still open with the old one.

use std::fmt;
use std::io::Write;
use std::path::Path;

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// A Meta access token. `Debug` and `Display` never show it; [`AccessToken::expose`] is
/// called only to set the upstream `Authorization` header and to seal it.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(String);

impl AccessToken {
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken(***)")
    }
}

/// A token as stored: ciphertext, nonce and the id of the key that sealed it.
#[derive(Debug, Clone)]
pub struct SealedToken {
    pub ciphertext: Vec<u8>,
    pub nonce: Vec<u8>,
    pub key_id: String,
}

/// Why a master key or a sealed token could not be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyringError {
    #[error("a secret key must be 32 bytes, written as 64 hex characters")]
    BadKey,
    #[error(
        "no master key with id {0} is configured (was WABAGATE_SECRET_KEY changed without keeping the old key in WABAGATE_OLD_SECRET_KEYS?)"
    )]
    UnknownKeyId(String),
    #[error("a stored token failed to decrypt: wrong key, or the row was tampered with")]
    Tampered,
    #[error("reading or writing the key file failed: {0}")]
    Io(#[from] std::io::Error),
}

struct MasterKey {
    id: String,
    cipher: XChaCha20Poly1305,
    /// Kept only to derive purpose-bound keys from it ([`Keyring::derive`]).
    bytes: [u8; 32],
}

/// The master keys: the current one seals, any of them opens.
pub struct Keyring {
    current: MasterKey,
    previous: Vec<MasterKey>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring").field("current_key_id", &self.current.id).finish_non_exhaustive()
    }
}

impl Keyring {
    /// A keyring from hex-encoded keys: `current` seals, `previous` only open.
    pub fn from_hex(current: &str, previous: &[&str]) -> Result<Self, KeyringError> {
        Ok(Self {
            current: MasterKey::from_hex(current)?,
            previous: previous.iter().map(|key| MasterKey::from_hex(key)).collect::<Result<_, _>>()?,
        })
    }

    /// The key in `path`, created (32 random bytes, hex, mode 0600) if the file does not exist.
    pub fn load_or_create_file(path: &Path, previous: &[&str]) -> Result<Self, KeyringError> {
        let hex_key = match std::fs::read_to_string(path) {
            Ok(text) => text.trim().to_owned(),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let hex_key = hex::encode(XChaCha20Poly1305::generate_key(&mut OsRng));
                write_private_file(path, hex_key.as_bytes())?;
                hex_key
            }
            Err(error) => return Err(error.into()),
        };
        Self::from_hex(&hex_key, previous)
    }

    pub fn seal(&self, token: &AccessToken, associated_data: &str) -> SealedToken {
        self.seal_bytes(token.expose().as_bytes(), associated_data)
    }

    pub fn open(&self, sealed: &SealedToken, associated_data: &str) -> Result<AccessToken, KeyringError> {
        let plaintext = self.open_bytes(sealed, associated_data)?;
        String::from_utf8(plaintext).map(AccessToken).map_err(|_| KeyringError::Tampered)
    }

    /// Seals any bytes under the current key, bound to `associated_data`.
    pub fn seal_bytes(&self, plaintext: &[u8], associated_data: &str) -> SealedToken {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let payload = Payload { msg: plaintext, aad: associated_data.as_bytes() };
        // Encryption fails only for inputs larger than the cipher's 256 GiB limit.
        let ciphertext = self.current.cipher.encrypt(&nonce, payload).expect("the plaintext fits the cipher's limits");
        SealedToken { ciphertext, nonce: nonce.to_vec(), key_id: self.current.id.clone() }
    }

    /// Opens what [`Keyring::seal_bytes`] sealed, with any of the keys.
    pub fn open_bytes(&self, sealed: &SealedToken, associated_data: &str) -> Result<Vec<u8>, KeyringError> {
        let key = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|key| key.id == sealed.key_id)
            .ok_or_else(|| KeyringError::UnknownKeyId(sealed.key_id.clone()))?;
        if sealed.nonce.len() != 24 {
            return Err(KeyringError::Tampered);
        }
        let payload = Payload { msg: &sealed.ciphertext, aad: associated_data.as_bytes() };
        key.cipher.decrypt(XNonce::from_slice(&sealed.nonce), payload).map_err(|_| KeyringError::Tampered)
    }

    /// A keyring of keys derived from these for one `purpose` (HMAC-SHA256 of the purpose
    /// under each key), so what is sealed for that purpose never shares a key with tokens.
    /// It rotates with this one: the derived current key seals, the derived old ones open.
    pub fn derive(&self, purpose: &str) -> Self {
        Self {
            current: self.current.derive(purpose),
            previous: self.previous.iter().map(|key| key.derive(purpose)).collect(),
        }
    }
}

impl MasterKey {
    fn from_hex(hex_key: &str) -> Result<Self, KeyringError> {
        let bytes = hex::decode(hex_key.trim()).map_err(|_| KeyringError::BadKey)?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| KeyringError::BadKey)?;
        Ok(Self::from_bytes(bytes))
    }

    fn from_bytes(bytes: [u8; 32]) -> Self {
        // The id names the key without revealing it: a hash under a fixed label.
        let id = hex::encode(&Sha256::new().chain_update(b"wabagate key id\0").chain_update(bytes).finalize()[..8]);
        Self { id, cipher: XChaCha20Poly1305::new(Key::from_slice(&bytes)), bytes }
    }

    fn derive(&self, purpose: &str) -> Self {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.bytes).expect("HMAC takes keys of any length");
        mac.update(b"wabagate derived key\0");
        mac.update(purpose.as_bytes());
        Self::from_bytes(mac.finalize().into_bytes().into())
    }
}

fn write_private_file(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_A: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    const KEY_B: &str = "1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100";

    #[test]
    fn a_sealed_token_opens_with_the_same_associated_data_only() {
        let keyring = Keyring::from_hex(KEY_A, &[]).unwrap();
        let sealed = keyring.seal(&AccessToken::new("EAAGsecret"), "conn-1");
        assert_eq!(keyring.open(&sealed, "conn-1").unwrap().expose(), "EAAGsecret");
        assert!(matches!(keyring.open(&sealed, "conn-2"), Err(KeyringError::Tampered)));
    }

    #[test]
    fn tokens_sealed_under_an_old_key_still_open_after_rotation() {
        let old = Keyring::from_hex(KEY_A, &[]).unwrap();
        let sealed = old.seal(&AccessToken::new("EAAGsecret"), "conn-1");
        let rotated = Keyring::from_hex(KEY_B, &[KEY_A]).unwrap();
        assert_eq!(rotated.open(&sealed, "conn-1").unwrap().expose(), "EAAGsecret");
        assert_ne!(rotated.seal(&AccessToken::new("x"), "c").key_id, sealed.key_id);
        let forgotten = Keyring::from_hex(KEY_B, &[]).unwrap();
        assert!(matches!(forgotten.open(&sealed, "conn-1"), Err(KeyringError::UnknownKeyId(_))));
    }

    #[test]
    fn the_key_file_is_created_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        let first = Keyring::load_or_create_file(&path, &[]).unwrap();
        let sealed = first.seal(&AccessToken::new("t"), "c");
        let second = Keyring::load_or_create_file(&path, &[]).unwrap();
        assert_eq!(second.open(&sealed, "c").unwrap().expose(), "t");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn derived_keys_are_bound_to_their_purpose_and_rotate_with_the_master_key() {
        let keyring = Keyring::from_hex(KEY_A, &[]).unwrap();
        let links = keyring.derive("media links");
        let sealed = links.seal_bytes(b"payload", "ad");
        assert_eq!(links.open_bytes(&sealed, "ad").unwrap(), b"payload");
        assert_ne!(sealed.key_id, keyring.seal_bytes(b"x", "ad").key_id, "a derived key is another key");
        assert!(keyring.open_bytes(&sealed, "ad").is_err(), "the master key does not open it");
        assert!(keyring.derive("other").open_bytes(&sealed, "ad").is_err());
        let rotated = Keyring::from_hex(KEY_B, &[KEY_A]).unwrap().derive("media links");
        assert_eq!(rotated.open_bytes(&sealed, "ad").unwrap(), b"payload");
    }

    #[test]
    fn debug_hides_the_token() {
        assert_eq!(format!("{:?}", AccessToken::new("EAAGsecret")), "AccessToken(***)");
    }
}
