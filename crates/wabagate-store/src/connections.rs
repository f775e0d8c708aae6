//! Connections: an account's link to one WhatsApp Business Account, with its sealed token.

use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use uuid::Uuid;

use crate::accounts::parse_uuid;
use crate::connect_session::{FlowSecret, session_aad};
use crate::connection_events::{connection_changed, status_event};
use crate::sealed_token::SealedToken;
use crate::{AccessToken, Connection, ConnectionStatus, GatewayConnection, Store, StoreError, StoreResult, Timestamp};

const CONNECTION_COLUMNS: &str =
    "id, account_id, app, status, metadata, created_at, updated_at, session_ciphertext, session_nonce, session_key_id";
pub(crate) const CONNECTION_COLUMNS_QUALIFIED: &str = "connections.id, connections.account_id, connections.app, \
    connections.status, connections.metadata, connections.created_at, connections.updated_at, \
    connections.session_ciphertext, connections.session_nonce, connections.session_key_id";

impl Store {
    /// A new PENDING connection with a connect session valid for `session_lifetime`,
    /// waiting for its business to finish the connect flow.
    pub async fn create_connection(
        &self,
        account_id: Uuid,
        app: &str,
        session_lifetime: std::time::Duration,
    ) -> StoreResult<Connection> {
        let connection =
            self.insert_connection(account_id, app, ConnectionStatus::Pending, serde_json::json!({}), None).await?;
        self.issue_connect_session(account_id, connection.connection_id, session_lifetime).await
    }

    /// A connection that is ACTIVE from birth, for tokens obtained outside the connect flow
    /// (a System User token imported by an operator, the demo connection).
    pub async fn create_active_connection(
        &self,
        account_id: Uuid,
        app: &str,
        token: &AccessToken,
        metadata: serde_json::Value,
    ) -> StoreResult<Connection> {
        self.insert_connection(account_id, app, ConnectionStatus::Active, metadata, Some(token)).await
    }

    async fn insert_connection(
        &self,
        account_id: Uuid,
        app: &str,
        status: ConnectionStatus,
        metadata: serde_json::Value,
        token: Option<&AccessToken>,
    ) -> StoreResult<Connection> {
        let now = Timestamp::now();
        let connection = Connection {
            connection_id: Uuid::new_v4(),
            account_id,
            app: app.to_owned(),
            status,
            metadata,
            creation_time: now,
            last_updated_time: now,
            connect_token: None,
        };
        let sealed = token.map(|token| self.keyring.seal(token, &connection.connection_id.to_string()));
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO connections (id, account_id, app, status, metadata, token_ciphertext, token_nonce, token_key_id, created_at, updated_at)
             SELECT ?, id, ?, ?, ?, ?, ?, ?, ?, ? FROM accounts WHERE id = ?",
        )
        .bind(connection.connection_id.to_string())
        .bind(&connection.app)
        .bind(status.as_str())
        .bind(connection.metadata.to_string())
        .bind(sealed.as_ref().map(|sealed| sealed.ciphertext.clone()))
        .bind(sealed.as_ref().map(|sealed| sealed.nonce.clone()))
        .bind(sealed.as_ref().map(|sealed| sealed.key_id.clone()))
        .bind(now.unix_micros())
        .bind(now.unix_micros())
        .bind(account_id.to_string())
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        if status == ConnectionStatus::Active {
            connection_changed(&mut tx, &connection, status_event(&connection)).await?;
        }
        tx.commit().await?;
        Ok(connection)
    }

    /// An account's connections, oldest first, optionally narrowed to one app and one status.
    pub async fn list_connections(
        &self,
        account_id: Uuid,
        app: Option<&str>,
        status: Option<ConnectionStatus>,
    ) -> StoreResult<Vec<Connection>> {
        let rows = sqlx::query(&format!(
            "SELECT {CONNECTION_COLUMNS} FROM connections
             WHERE account_id = ?1 AND (?2 IS NULL OR app = ?2) AND (?3 IS NULL OR status = ?3)
             ORDER BY created_at, id"
        ))
        .bind(account_id.to_string())
        .bind(app)
        .bind(status.map(ConnectionStatus::as_str))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| connection_from_row(self, row)).collect()
    }

    /// One connection of one account. Another account's connection is [`StoreError::NotFound`],
    /// exactly as a connection that does not exist.
    pub async fn get_connection(&self, account_id: Uuid, connection_id: Uuid) -> StoreResult<Connection> {
        let sql = format!("SELECT {CONNECTION_COLUMNS} FROM connections WHERE id = ?1 AND account_id = ?2");
        self.one_of_account(&sql, account_id, connection_id).await
    }

    /// Deletes a connection (and its sealed token) and returns what it was.
    pub async fn delete_connection(&self, account_id: Uuid, connection_id: Uuid) -> StoreResult<Connection> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(&format!(
            "DELETE FROM connections WHERE id = ?1 AND account_id = ?2 RETURNING {CONNECTION_COLUMNS}"
        ))
        .bind(connection_id.to_string())
        .bind(account_id.to_string())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let connection = connection_from_row(self, &row)?;
        // The events of a deleted connection go with it; only the routes need rebuilding.
        crate::webhook_routes::rebuild(&mut tx).await?;
        tx.commit().await?;
        Ok(connection)
    }

    /// Runs `sql` (binding `?1` = connection id, `?2` = account id) for the one row it names.
    async fn one_of_account(&self, sql: &str, account_id: Uuid, connection_id: Uuid) -> StoreResult<Connection> {
        let row = sqlx::query(sql)
            .bind(connection_id.to_string())
            .bind(account_id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        connection_from_row(self, &row)
    }

    /// Stores a token and marks the connection ACTIVE with the given metadata.
    /// `token_expires_at` is when Meta stops honouring the token (`None`: never).
    pub async fn activate_connection(
        &self,
        connection_id: Uuid,
        token: &AccessToken,
        metadata: serde_json::Value,
        token_expires_at: Option<Timestamp>,
    ) -> StoreResult<Connection> {
        let sealed = self.keyring.seal(token, &connection_id.to_string());
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(&format!(
            "UPDATE connections SET status = 'ACTIVE', metadata = ?, token_ciphertext = ?, token_nonce = ?, token_key_id = ?,
             token_expires_at = ?, updated_at = ?
             WHERE id = ? RETURNING {CONNECTION_COLUMNS}"
        ))
        .bind(metadata.to_string())
        .bind(sealed.ciphertext)
        .bind(sealed.nonce)
        .bind(sealed.key_id)
        .bind(token_expires_at.map(Timestamp::unix_micros))
        .bind(Timestamp::now().unix_micros())
        .bind(connection_id.to_string())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let connection = connection_from_row(self, &row)?;
        connection_changed(&mut tx, &connection, status_event(&connection)).await?;
        tx.commit().await?;
        Ok(connection)
    }

    /// Marks a connection FAILED, recording why in `metadata.error` (other metadata stays).
    pub async fn fail_connection(&self, connection_id: Uuid, error: serde_json::Value) -> StoreResult<Connection> {
        self.set_status_with_error(connection_id, ConnectionStatus::Failed, error).await
    }

    /// Marks a connection EXPIRED (Meta no longer honours its token), recording why.
    pub async fn expire_connection(&self, connection_id: Uuid, error: serde_json::Value) -> StoreResult<Connection> {
        self.set_status_with_error(connection_id, ConnectionStatus::Expired, error).await
    }

    async fn set_status_with_error(
        &self,
        connection_id: Uuid,
        status: ConnectionStatus,
        error: serde_json::Value,
    ) -> StoreResult<Connection> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(&format!(
            "UPDATE connections SET status = ?, metadata = json_set(metadata, '$.error', json(?)), updated_at = ?
             WHERE id = ? RETURNING {CONNECTION_COLUMNS}"
        ))
        .bind(status.as_str())
        .bind(error.to_string())
        .bind(Timestamp::now().unix_micros())
        .bind(connection_id.to_string())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let connection = connection_from_row(self, &row)?;
        connection_changed(&mut tx, &connection, status_event(&connection)).await?;
        tx.commit().await?;
        Ok(connection)
    }

    /// Marks EXPIRED every ACTIVE connection whose token's expiry has passed; returns them.
    pub async fn expire_overdue_connections(&self, now: Timestamp) -> StoreResult<Vec<Connection>> {
        let mut tx = self.pool.begin().await?;
        let error = serde_json::json!({"reason": "token_expired", "description": "The access token expired; reconnect the connection."});
        let rows = sqlx::query(&format!(
            "UPDATE connections SET status = 'EXPIRED', metadata = json_set(metadata, '$.error', json(?1)), updated_at = ?2
             WHERE status = 'ACTIVE' AND token_expires_at IS NOT NULL AND token_expires_at <= ?2 RETURNING {CONNECTION_COLUMNS}"
        ))
        .bind(error.to_string())
        .bind(now.unix_micros())
        .fetch_all(&mut *tx)
        .await?;
        let expired = rows.iter().map(|row| connection_from_row(self, row)).collect::<StoreResult<Vec<_>>>()?;
        for connection in &expired {
            connection_changed(&mut tx, connection, status_event(connection)).await?;
        }
        tx.commit().await?;
        Ok(expired)
    }

    /// Every connection of an account with its token opened, oldest first: what the
    /// gateway caches to route requests without a query per request.
    pub async fn gateway_connections(&self, account_id: Uuid) -> StoreResult<Vec<GatewayConnection>> {
        let rows = sqlx::query(&format!(
            "SELECT {CONNECTION_COLUMNS}, token_ciphertext, token_nonce, token_key_id FROM connections
             WHERE account_id = ? ORDER BY created_at, id"
        ))
        .bind(account_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let connection = connection_from_row(self, row)?;
                let sealed = sealed_from_row(row)?;
                let token = match sealed {
                    Some(sealed) => Some(self.keyring.open(&sealed, &connection.connection_id.to_string())?),
                    None => None,
                };
                Ok(GatewayConnection {
                    phone_number_ids: connection.phone_number_ids(),
                    connection_id: connection.connection_id,
                    app: connection.app,
                    status: connection.status,
                    creation_time: connection.creation_time,
                    token,
                })
            })
            .collect()
    }
}

pub(crate) fn connection_from_row(store: &Store, row: &SqliteRow) -> StoreResult<Connection> {
    let status: String = row.try_get("status")?;
    let metadata: String = row.try_get("metadata")?;
    let connection_id = parse_uuid(row.try_get("id")?)?;
    let sealed_session = match (
        row.try_get::<Option<Vec<u8>>, _>("session_ciphertext")?,
        row.try_get::<Option<Vec<u8>>, _>("session_nonce")?,
        row.try_get::<Option<String>, _>("session_key_id")?,
    ) {
        (Some(ciphertext), Some(nonce), Some(key_id)) => Some(SealedToken { ciphertext, nonce, key_id }),
        _ => None,
    };
    let connect_token = match sealed_session {
        Some(sealed) => Some(FlowSecret::presented(store.keyring.open(&sealed, &session_aad(connection_id))?.expose())),
        None => None,
    };
    Ok(Connection {
        connection_id,
        connect_token,
        account_id: parse_uuid(row.try_get("account_id")?)?,
        app: row.try_get("app")?,
        status: ConnectionStatus::parse(&status).ok_or_else(|| {
            StoreError::Database(sqlx::Error::Protocol(format!("unknown connection status {status}")))
        })?,
        metadata: serde_json::from_str(&metadata).unwrap_or_else(|_| serde_json::json!({})),
        creation_time: Timestamp::from_unix_micros(row.try_get("created_at")?),
        last_updated_time: Timestamp::from_unix_micros(row.try_get("updated_at")?),
    })
}

fn sealed_from_row(row: &SqliteRow) -> StoreResult<Option<SealedToken>> {
    let ciphertext: Option<Vec<u8>> = row.try_get("token_ciphertext")?;
    let nonce: Option<Vec<u8>> = row.try_get("token_nonce")?;
    let key_id: Option<String> = row.try_get("token_key_id")?;
    Ok(match (ciphertext, nonce, key_id) {
        (Some(ciphertext), Some(nonce), Some(key_id)) => Some(SealedToken { ciphertext, nonce, key_id }),
        _ => None,
    })
}
