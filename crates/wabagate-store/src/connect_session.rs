//! Connect sessions: the single-use, expiring token in a connection's `url`, and the OAuth
//! `state` bound to it when the connect page opens.
//!
//! Both secrets are stored as SHA-256 hashes; the current session token is also sealed on its
//! connection so the same url can be shown again. Each step is one conditional UPDATE, so two
//! browsers racing on the same link cannot both pass.

use std::fmt;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;
use sqlx::Row;
use uuid::Uuid;

use crate::accounts::parse_uuid;
use crate::connections::connection_from_row;
use crate::sealed_token::AccessToken;
use crate::whole_reply::WholeReply;
use crate::{Connection, Store, StoreError, StoreResult, Timestamp};

/// A secret of the connect flow (a session token or an OAuth state): 256 random bits,
/// base64url. `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct FlowSecret(String);

impl FlowSecret {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Wraps a secret presented by a browser.
    pub fn presented(text: &str) -> Self {
        Self(text.to_owned())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    fn hash(&self) -> Vec<u8> {
        Sha256::digest(self.0.as_bytes()).to_vec()
    }
}

impl fmt::Debug for FlowSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FlowSecret(***)")
    }
}

/// Why a connect link or an OAuth callback cannot go on.
#[derive(Debug, thiserror::Error)]
pub enum ConnectSessionError {
    #[error("this connect link is not valid")]
    Unknown,
    #[error("this connect link has expired")]
    Expired,
    #[error("this connect link was already used")]
    AlreadyUsed,
    #[error("this connect link was replaced by a newer one")]
    Replaced,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The connection a session belongs to, with what the connect page shows.
#[derive(Debug, Clone)]
pub struct SessionConnection {
    pub connection: Connection,
    pub account_name: String,
}

impl Store {
    /// Issues a fresh connect session for a connection of `account_id` (for a new connection
    /// or a reconnect) and returns the connection with its new url token. Every earlier link of
    /// the connection stops working, even one already opened: only the newest link counts.
    pub async fn issue_connect_session(
        &self,
        account_id: Uuid,
        connection_id: Uuid,
        lifetime: Duration,
    ) -> StoreResult<Connection> {
        let mut transaction = self.pool.begin().await?;
        self.issue_session_in(&mut transaction, account_id, connection_id, lifetime).await?;
        transaction.commit().await?;
        self.get_connection(account_id, connection_id).await
    }

    /// [`Store::issue_connect_session`] inside the caller's transaction, so a new connection
    /// and its first link appear together (the expiry watcher never sees one without the other).
    pub(crate) async fn issue_session_in(
        &self,
        transaction: &mut AnyConnection,
        account_id: Uuid,
        connection_id: Uuid,
        lifetime: Duration,
    ) -> StoreResult<()> {
        let token = FlowSecret::generate();
        let now = Timestamp::now();
        let expires_at = now.unix_micros().saturating_add(lifetime.as_micros().min(i64::MAX as u128) as i64);
        let sealed = self.keyring.seal(&AccessToken::new(token.expose()), &session_aad(connection_id));
        let updated = sqlx::query(
            "UPDATE connections SET session_ciphertext = $1, session_nonce = $2, session_key_id = $3
             WHERE id = $4 AND account_id = $5",
        )
        .bind(sealed.ciphertext)
        .bind(sealed.nonce)
        .bind(sealed.key_id)
        .bind(connection_id.to_string())
        .bind(account_id.to_string())
        .execute(&mut *transaction)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        sqlx::query("UPDATE connect_sessions SET replaced_at = $1 WHERE connection_id = $2 AND replaced_at IS NULL")
            .bind(now.unix_micros())
            .bind(connection_id.to_string())
            .execute(&mut *transaction)
            .await?;
        sqlx::query(
            "INSERT INTO connect_sessions (token_hash, connection_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token.hash())
        .bind(connection_id.to_string())
        .bind(now.unix_micros())
        .bind(expires_at)
        .execute(&mut *transaction)
        .await?;
        Ok(())
    }

    /// The connection a link is for, if the link could still be used; changes nothing, so a
    /// link preview that fetches the page does not use the link up.
    pub async fn peek_connect_session(&self, token: &FlowSecret) -> Result<SessionConnection, ConnectSessionError> {
        let now = Timestamp::now().unix_micros();
        let usable = sqlx::query(
            "SELECT connection_id FROM connect_sessions
             WHERE token_hash = $1 AND opened_at IS NULL AND replaced_at IS NULL AND expires_at > $2",
        )
        .bind(token.hash())
        .bind(now)
        .fetch_optional_whole(&self.pool)
        .await
        .map_err(StoreError::from)?;
        match usable {
            Some(row) => {
                self.session_connection(parse_uuid(row.try_get("connection_id").map_err(StoreError::from)?)?).await
            }
            None => Err(self.why_refused("token_hash", token.hash(), "opened_at", now).await),
        }
    }

    /// The business presses Connect: the session must be live and never used; it is marked
    /// used and bound to `state`, in one step.
    pub async fn open_connect_session(
        &self,
        token: &FlowSecret,
        state: &FlowSecret,
    ) -> Result<SessionConnection, ConnectSessionError> {
        let now = Timestamp::now().unix_micros();
        let opened = sqlx::query(
            "UPDATE connect_sessions SET opened_at = $1, state_hash = $2
             WHERE token_hash = $3 AND opened_at IS NULL AND replaced_at IS NULL AND expires_at > $1
             RETURNING connection_id",
        )
        .bind(now)
        .bind(state.hash())
        .bind(token.hash())
        .fetch_optional_whole(&self.pool)
        .await
        .map_err(StoreError::from)?;
        match opened {
            Some(row) => {
                self.session_connection(parse_uuid(row.try_get("connection_id").map_err(StoreError::from)?)?).await
            }
            None => Err(self.why_refused("token_hash", token.hash(), "opened_at", now).await),
        }
    }

    /// The OAuth callback arrives: the state must belong to an opened, live session whose
    /// callback has not come yet; the session is marked complete, in one step.
    pub async fn complete_connect_session(&self, state: &FlowSecret) -> Result<SessionConnection, ConnectSessionError> {
        let now = Timestamp::now().unix_micros();
        let completed = sqlx::query(
            "UPDATE connect_sessions SET completed_at = $1
             WHERE state_hash = $2 AND completed_at IS NULL AND replaced_at IS NULL AND expires_at > $1
             RETURNING connection_id",
        )
        .bind(now)
        .bind(state.hash())
        .fetch_optional_whole(&self.pool)
        .await
        .map_err(StoreError::from)?;
        match completed {
            Some(row) => {
                self.session_connection(parse_uuid(row.try_get("connection_id").map_err(StoreError::from)?)?).await
            }
            None => Err(self.why_refused("state_hash", state.hash(), "completed_at", now).await),
        }
    }

    async fn session_connection(&self, connection_id: Uuid) -> Result<SessionConnection, ConnectSessionError> {
        let row = sqlx::query(&format!(
            "SELECT {}, accounts.name AS account_name FROM connections JOIN accounts ON accounts.id = connections.account_id
             WHERE connections.id = $1",
            crate::connections::CONNECTION_COLUMNS_QUALIFIED
        ))
        .bind(connection_id.to_string())
        .fetch_optional_whole(&self.pool)
        .await
        .map_err(StoreError::from)?
        .ok_or(ConnectSessionError::Unknown)?;
        let account_name = row.try_get("account_name").map_err(StoreError::from)?;
        Ok(SessionConnection { connection: connection_from_row(self, &row)?, account_name })
    }

    /// Tells an unknown secret from an expired, replaced or already used one, for the page shown.
    async fn why_refused(&self, column: &str, hash: Vec<u8>, used_column: &str, now: i64) -> ConnectSessionError {
        let row = sqlx::query(&format!(
            "SELECT expires_at, replaced_at, {used_column} AS used_at FROM connect_sessions WHERE {column} = $1"
        ))
        .bind(hash)
        .fetch_optional_whole(&self.pool)
        .await;
        match row {
            Ok(Some(row)) => {
                let used: Option<i64> = row.try_get("used_at").unwrap_or(None);
                let replaced: Option<i64> = row.try_get("replaced_at").unwrap_or(None);
                let expires_at: i64 = row.try_get("expires_at").unwrap_or(0);
                if used.is_some() {
                    ConnectSessionError::AlreadyUsed
                } else if replaced.is_some() {
                    ConnectSessionError::Replaced
                } else if expires_at <= now {
                    ConnectSessionError::Expired
                } else {
                    ConnectSessionError::Unknown
                }
            }
            Ok(None) => ConnectSessionError::Unknown,
            Err(error) => ConnectSessionError::Store(error.into()),
        }
    }
}

pub(crate) fn session_aad(connection_id: Uuid) -> String {
    format!("connect-session:{connection_id}")
}
