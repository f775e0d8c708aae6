//! Connections: an account's link to one WhatsApp Business Account, with its sealed token.

use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::accounts::parse_uuid;
use crate::connect_session::{FlowSecret, session_aad};
use crate::connection_events::{connection_changed, status_event};
use crate::sealed_token::SealedToken;
use crate::whole_reply::WholeReply;
use crate::{
    AccessToken, Connection, ConnectionFilter, ConnectionOptions, ConnectionStatus, GatewayConnection, Store,
    StoreError, StoreResult, Timestamp,
};

const CONNECTION_COLUMNS: &str = "id, account_id, app, status, metadata, created_at, updated_at, session_ciphertext, \
    session_nonce, session_key_id, redirect_url, tags, end_user_id, force";
pub(crate) const CONNECTION_COLUMNS_QUALIFIED: &str = "connections.id, connections.account_id, connections.app, \
    connections.status, connections.metadata, connections.created_at, connections.updated_at, \
    connections.session_ciphertext, connections.session_nonce, connections.session_key_id, \
    connections.redirect_url, connections.tags, connections.end_user_id, connections.force";

impl Store {
    /// A transaction that changes connections and the routing index: it holds the write lock
    /// from its start (SQLite's `BEGIN IMMEDIATE`, PostgreSQL's advisory lock), so index
    /// updates (each reads, then writes) by several processes or instances never interleave.
    pub(crate) async fn begin_connection_change(&self) -> StoreResult<sqlx::Transaction<'static, sqlx::Any>> {
        self.dialect.begin_exclusive(&self.pool).await
    }

    /// A new PENDING connection with a connect session valid for `session_lifetime`,
    /// waiting for its business to finish the connect flow.
    pub async fn create_connection(
        &self,
        account_id: Uuid,
        app: &str,
        session_lifetime: std::time::Duration,
    ) -> StoreResult<Connection> {
        self.create_connection_with(account_id, app, &ConnectionOptions::default(), session_lifetime).await
    }

    /// [`Store::create_connection`] with what the app attached to it.
    pub async fn create_connection_with(
        &self,
        account_id: Uuid,
        app: &str,
        options: &ConnectionOptions,
        session_lifetime: std::time::Duration,
    ) -> StoreResult<Connection> {
        let mut transaction = self.pool.begin().await?;
        let pending = ConnectionStatus::Pending;
        let connection = self
            .insert_connection(&mut transaction, account_id, app, pending, serde_json::json!({}), None, options)
            .await?;
        self.issue_session_in(&mut transaction, account_id, connection.connection_id, session_lifetime).await?;
        transaction.commit().await?;
        self.get_connection(account_id, connection.connection_id).await
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
        let options = ConnectionOptions::default();
        let mut tx = self.begin_connection_change().await?;
        let active = ConnectionStatus::Active;
        let connection =
            self.insert_connection(&mut tx, account_id, app, active, metadata, Some(token), &options).await?;
        tx.commit().await?;
        Ok(connection)
    }

    #[allow(clippy::too_many_arguments, reason = "one row's columns, each named at the call")]
    async fn insert_connection(
        &self,
        executor: &mut sqlx::AnyConnection,
        account_id: Uuid,
        app: &str,
        status: ConnectionStatus,
        metadata: serde_json::Value,
        token: Option<&AccessToken>,
        options: &ConnectionOptions,
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
            options: options.clone(),
        };
        let sealed = token.map(|token| self.keyring.seal(token, &connection.connection_id.to_string()));
        // A savepoint when the caller's executor is already a transaction (a new connection
        // and its connect session are written together).
        let mut tx = sqlx::Connection::begin(&mut *executor).await?;
        let inserted = sqlx::query(
            "INSERT INTO connections (id, account_id, app, status, metadata, token_ciphertext, token_nonce, token_key_id,
                                      created_at, updated_at, redirect_url, tags, end_user_id, force)
             SELECT $1, id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 FROM accounts WHERE id = $14",
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
        .bind(&options.redirect_url)
        .bind(serde_json::to_string(&options.tags).expect("a string map serialises"))
        .bind(&options.end_user_id)
        .bind(i64::from(options.force))
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
        self.find_connections(account_id, &ConnectionFilter { app, status, tags: &[] }).await
    }

    /// An account's connections that match `filter`, oldest first.
    pub async fn find_connections(
        &self,
        account_id: Uuid,
        filter: &ConnectionFilter<'_>,
    ) -> StoreResult<Vec<Connection>> {
        // One EXISTS per tag, its name and value bound as $4 and $5, $6 and $7, … (never
        // spliced in). Numbered, as every query here is: the same text serves SQLite and PostgreSQL.
        let tag_clauses: String = (0..filter.tags.len())
            .map(|index| {
                let name = 4 + 2 * index;
                let value = name + 1;
                format!(
                    " AND {}",
                    self.dialect.json_has_string("connections.tags", &format!("${name}"), &format!("${value}"))
                )
            })
            .collect();
        let sql = format!(
            "SELECT {CONNECTION_COLUMNS} FROM connections
             WHERE account_id = $3 AND ($1 IS NULL OR app = $1) AND ($2 IS NULL OR status = $2){tag_clauses}
             ORDER BY created_at, id"
        );
        let mut query = sqlx::query(&sql)
            .bind(filter.app)
            .bind(filter.status.map(ConnectionStatus::as_str))
            .bind(account_id.to_string());
        for (name, value) in filter.tags {
            query = query.bind(name).bind(value);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(|row| connection_from_row(self, row)).collect()
    }

    /// Another ACTIVE connection of the account that was granted one of `waba_ids`: connecting
    /// a WABA twice would make two connections race for the same phone numbers. The demo
    /// connection (`"demo": true` in its metadata, made by `serve --demo`) does not count, so
    /// the sandbox's dialog can be tried beside it.
    pub async fn active_connection_sharing_waba(
        &self,
        account_id: Uuid,
        except: Uuid,
        waba_ids: &[String],
    ) -> StoreResult<Option<Uuid>> {
        let dialect = self.dialect;
        let row = sqlx::query(&format!(
            "SELECT connections.id FROM connections, {granted}
             WHERE connections.account_id = $1 AND connections.status = 'ACTIVE' AND connections.id != $2
               AND waba.value IN (SELECT value FROM {wanted})
               AND NOT {demo}
             ORDER BY connections.created_at LIMIT 1",
            granted = dialect.json_strings(&dialect.json_field("connections.metadata", "waba_ids"), "waba"),
            wanted = dialect.json_strings("$3", "wanted"),
            demo = dialect.json_is_true("connections.metadata", "demo"),
        ))
        .bind(account_id.to_string())
        .bind(except.to_string())
        .bind(serde_json::to_string(waba_ids).expect("strings serialise"))
        .fetch_optional_whole(&self.pool)
        .await?;
        row.map(|row| parse_uuid(row.try_get("id")?)).transpose()
    }

    /// One connection of one account. Another account's connection is [`StoreError::NotFound`],
    /// exactly as a connection that does not exist.
    pub async fn get_connection(&self, account_id: Uuid, connection_id: Uuid) -> StoreResult<Connection> {
        let sql = format!("SELECT {CONNECTION_COLUMNS} FROM connections WHERE id = $1 AND account_id = $2");
        self.one_of_account(&sql, account_id, connection_id).await
    }

    /// Deletes a connection (and its sealed token) and returns what it was.
    pub async fn delete_connection(&self, account_id: Uuid, connection_id: Uuid) -> StoreResult<Connection> {
        let mut tx = self.begin_connection_change().await?;
        // Its ids go to the next claimant first (as if it claimed none): deleting it drops its
        // routes (a cascade).
        crate::webhook_routes::reindex(&mut tx, account_id, connection_id, &Default::default()).await?;
        let row = sqlx::query(&format!(
            "DELETE FROM connections WHERE id = $1 AND account_id = $2 RETURNING {CONNECTION_COLUMNS}"
        ))
        .bind(connection_id.to_string())
        .bind(account_id.to_string())
        .fetch_optional_whole(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let connection = connection_from_row(self, &row)?;
        // The events of a deleted connection go with it; its routes were handed on above.
        tx.commit().await?;
        Ok(connection)
    }

    /// Runs `sql` (binding `$1` = connection id, `$2` = account id) for the one row it names.
    async fn one_of_account(&self, sql: &str, account_id: Uuid, connection_id: Uuid) -> StoreResult<Connection> {
        let row = sqlx::query(sql)
            .bind(connection_id.to_string())
            .bind(account_id.to_string())
            .fetch_optional_whole(&self.pool)
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
        let mut tx = self.begin_connection_change().await?;
        let row = sqlx::query(&format!(
            "UPDATE connections SET status = 'ACTIVE', metadata = $1, token_ciphertext = $2, token_nonce = $3, token_key_id = $4,
             token_expires_at = $5, updated_at = $6
             WHERE id = $7 RETURNING {CONNECTION_COLUMNS}"
        ))
        .bind(metadata.to_string())
        .bind(sealed.ciphertext)
        .bind(sealed.nonce)
        .bind(sealed.key_id)
        .bind(token_expires_at.map(Timestamp::unix_micros))
        .bind(Timestamp::now().unix_micros())
        .bind(connection_id.to_string())
        .fetch_optional_whole(&mut *tx)
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

    /// Records why a connect flow failed. A connection that holds a token (an ACTIVE or
    /// EXPIRED one being reconnected) keeps its status and token, with the failure in
    /// `metadata.last_reconnect_error`: a cancelled reconnect must not break a working
    /// connection. One that never connected turns FAILED with the failure in `metadata.error`.
    pub async fn fail_connect_flow(&self, connection_id: Uuid, error: serde_json::Value) -> StoreResult<Connection> {
        // SET expressions all see the row as it was, so both CASEs test the same status.
        let row = sqlx::query(&format!(
            "UPDATE connections SET
               metadata = CASE WHEN token_ciphertext IS NULL THEN {failed} ELSE {kept} END,
               status = CASE WHEN token_ciphertext IS NULL THEN 'FAILED' ELSE status END,
               updated_at = $2
             WHERE id = $3 RETURNING {CONNECTION_COLUMNS}",
            failed = self.dialect.json_set("metadata", "error", "$1"),
            kept = self.dialect.json_set("metadata", "last_reconnect_error", "$1"),
        ))
        .bind(error.to_string())
        .bind(Timestamp::now().unix_micros())
        .bind(connection_id.to_string())
        .fetch_optional_whole(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        connection_from_row(self, &row)
    }

    /// Marks FAILED every PENDING connection none of whose connect links can still be used
    /// (all expired or replaced, and no callback at work on one); returns them.
    pub async fn fail_expired_pending_connections(&self) -> StoreResult<Vec<Connection>> {
        // A callback finishes its few Graph calls well within this; one that crashed midway
        // must not keep its connection PENDING forever.
        const CALLBACK_AT_WORK_MICROS: i64 = 10 * 60 * 1_000_000;
        let now = Timestamp::now();
        let error = serde_json::json!({
            "reason": "link_expired",
            "description": "The connect link expired before the business connected; reconnect the connection for a new link.",
        });
        let rows = sqlx::query(&format!(
            "UPDATE connections SET status = 'FAILED', metadata = {failed}, updated_at = $2
             WHERE status = 'PENDING' AND NOT EXISTS (
               SELECT 1 FROM connect_sessions AS session WHERE session.connection_id = connections.id
                 AND session.replaced_at IS NULL AND (session.expires_at > $2 OR session.completed_at > $3)
             ) RETURNING {CONNECTION_COLUMNS}",
            failed = self.dialect.json_set("metadata", "error", "$1"),
        ))
        .bind(error.to_string())
        .bind(now.unix_micros())
        .bind(now.unix_micros() - CALLBACK_AT_WORK_MICROS)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| connection_from_row(self, row)).collect()
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
        let mut tx = self.begin_connection_change().await?;
        let row = sqlx::query(&format!(
            "UPDATE connections SET status = $1, metadata = {failed}, updated_at = $3
             WHERE id = $4 RETURNING {CONNECTION_COLUMNS}",
            failed = self.dialect.json_set("metadata", "error", "$2"),
        ))
        .bind(status.as_str())
        .bind(error.to_string())
        .bind(Timestamp::now().unix_micros())
        .bind(connection_id.to_string())
        .fetch_optional_whole(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let connection = connection_from_row(self, &row)?;
        connection_changed(&mut tx, &connection, status_event(&connection)).await?;
        tx.commit().await?;
        Ok(connection)
    }

    /// Marks EXPIRED every ACTIVE connection whose token's expiry has passed; returns them.
    pub async fn expire_overdue_connections(&self, now: Timestamp) -> StoreResult<Vec<Connection>> {
        let mut tx = self.begin_connection_change().await?;
        let error = serde_json::json!({"reason": "token_expired", "description": "The access token expired; reconnect the connection."});
        let rows = sqlx::query(&format!(
            "UPDATE connections SET status = 'EXPIRED', metadata = {expired}, updated_at = $2
             WHERE status = 'ACTIVE' AND token_expires_at IS NOT NULL AND token_expires_at <= $2 RETURNING {CONNECTION_COLUMNS}",
            expired = self.dialect.json_set("metadata", "error", "$1"),
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
             WHERE account_id = $1 ORDER BY created_at, id"
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

pub(crate) fn connection_from_row(store: &Store, row: &AnyRow) -> StoreResult<Connection> {
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
        options: ConnectionOptions {
            redirect_url: row.try_get("redirect_url")?,
            tags: serde_json::from_str(row.try_get("tags")?).unwrap_or_default(),
            end_user_id: row.try_get("end_user_id")?,
            force: row.try_get::<i64, _>("force")? != 0,
        },
    })
}

fn sealed_from_row(row: &AnyRow) -> StoreResult<Option<SealedToken>> {
    let ciphertext: Option<Vec<u8>> = row.try_get("token_ciphertext")?;
    let nonce: Option<Vec<u8>> = row.try_get("token_nonce")?;
    let key_id: Option<String> = row.try_get("token_key_id")?;
    Ok(match (ciphertext, nonce, key_id) {
        (Some(ciphertext), Some(nonce), Some(key_id)) => Some(SealedToken { ciphertext, nonce, key_id }),
        _ => None,
    })
}
