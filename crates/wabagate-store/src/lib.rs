//! wabagate's persistent state: accounts, API keys, connections, and what Meta reports
//! about them (webhook bodies, the message ledger, templates, connection events), and the
//! outbound events with their subscriptions and durable outbox.
//!
//! Handlers see one [`Store`] with domain verbs (`create_connection`, `account_for_key`,
//! …) and never SQL. Meta tokens are sealed and opened here ([`sealed_token`]), so nothing
//! above this crate handles ciphertext, and nothing below the gateway sees a plain token
//! except the upstream `Authorization` header.
//!
//! The backend is SQLite (WAL) today. PostgreSQL will become a second pool inside `Store`
//! with its own migrations folder; callers will not change.

mod accounts;
pub mod api_key;
mod api_keys;
mod backup;
mod cache_revision;
mod connect_session;
mod connection_census;
mod connection_events;
mod connections;
mod events;
mod key_check;
mod ledger;
mod outbox;
mod private_files;
mod records;
pub mod sealed_token;
mod template_mirror;
mod timestamp;
mod webhook_intake;
mod webhook_routes;
mod webhook_subscriptions;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

pub use api_key::{ApiKey, ApiKeyHash, MalformedKey};
pub use connect_session::{ConnectSessionError, FlowSecret, SessionConnection};
pub use connection_census::ConnectionCensus;
pub use connection_events::{ConnectionEvent, NewEvent};
pub use events::{EVENT_RETENTION_SECONDS, NewOutboundEvent, StoredEvent};
pub use ledger::{
    ConversationSummary, InboundRecord, LedgerCursor, LedgerMessage, MessageFilter, SERVICE_WINDOW_SECONDS, SendRecord,
    StatusEntry, StatusReport,
};
pub use outbox::{
    ATTEMPT_RETENTION, AttemptOutcome, AttemptRecord, AttemptView, ClaimedDelivery, DISABLE_AFTER_FAILING,
    DeliveryFilter, DeliveryView, OutboxCounts,
};
pub use records::{
    Account, ApiKeyInfo, Connection, ConnectionFilter, ConnectionOptions, ConnectionStatus, GatewayConnection,
};
pub use sealed_token::{AccessToken, Keyring, KeyringError, SealedToken};
pub use template_mirror::MirroredTemplate;
pub use timestamp::Timestamp;
pub use webhook_intake::{StoredBody, UnroutedChange, WebhookBatch};
pub use webhook_routes::{Route, RouteKind};
pub use webhook_subscriptions::{
    NewSubscription, SigningSecrets, SubscriptionUpdate, WebhookSubscription, event_type_matches,
};

/// What can go wrong in the store, already sorted by what a caller does about it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("unsupported database URL: {0}")]
    UnsupportedUrl(String),
    #[error(transparent)]
    Keyring(#[from] KeyringError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    // The cause is the source, not repeated in the message: `{:#}` prints the chain once.
    #[error("database migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(
        "this database was last used by a newer wabagate (it has schema migration {applied}; this version knows up to {known}): run that newer version, or restore a backup taken before the upgrade"
    )]
    NewerSchema { applied: i64, known: i64 },
    #[error("backup failed: {0}")]
    Backup(String),
    #[error("preparing the database file {path}: {source}")]
    DatabaseFile { path: String, source: std::io::Error },
}

impl StoreError {
    /// Whether the database could not be reached at all (as opposed to a bad query or row).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Database(sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_)))
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The gateway's store: a connection pool and the keyring that seals tokens.
/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
    keyring: Arc<Keyring>,
}

impl Store {
    /// Opens (creating if needed) the database at `url` and brings its schema up to date.
    ///
    /// `url` is `sqlite://PATH` (or `sqlite::memory:`); other schemes are refused with
    /// [`StoreError::UnsupportedUrl`]. The database files are created private (0600). A
    /// database migrated by a newer version is refused with [`StoreError::NewerSchema`].
    pub async fn open(url: &str, keyring: Keyring) -> StoreResult<Self> {
        if !url.starts_with("sqlite:") {
            let scheme = url.split(':').next().unwrap_or_default();
            return Err(StoreError::UnsupportedUrl(format!(
                "`{scheme}:` is not supported yet; wabagate stores in SQLite (`sqlite://PATH`)"
            )));
        }
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            // WAL lets the gateway read while an admin command writes.
            .journal_mode(SqliteJournalMode::Wal)
            // With WAL, NORMAL is durable across application crashes and much faster than FULL.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let path = options.get_filename();
        if !url.contains(":memory:") && !url.contains("mode=memory") {
            private_files::prepare_database_file(path)
                .map_err(|source| StoreError::DatabaseFile { path: path.display().to_string(), source })?;
        }
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
        let migrator = sqlx::migrate!("./migrations/sqlite");
        match migrator.run(&pool).await {
            Ok(()) => {}
            Err(sqlx::migrate::MigrateError::VersionMissing(applied)) => {
                pool.close().await;
                let known = migrator.iter().map(|migration| migration.version).max().unwrap_or(0);
                return Err(StoreError::NewerSchema { applied, known });
            }
            Err(error) => return Err(error.into()),
        }
        let store = Self { pool, keyring: Arc::new(keyring) };
        // The routing index is derived data: rebuilt at open, it is right even for
        // connections written before it existed.
        store.rebuild_webhook_routes().await?;
        Ok(store)
    }

    /// Keys derived from the master keys for one purpose other than sealing tokens (e.g. the
    /// gateway's signed media links); see [`Keyring::derive`].
    pub fn derive_keyring(&self, purpose: &str) -> Keyring {
        self.keyring.derive(purpose)
    }

    /// Answers when the database does: what `/readyz` checks.
    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// SQLite's `PRAGMA integrity_check`: true when the database file is sound.
    pub async fn integrity_ok(&self) -> StoreResult<bool> {
        let row = sqlx::query("PRAGMA integrity_check").fetch_one(&self.pool).await?;
        Ok(sqlx::Row::try_get::<String, _>(&row, 0)? == "ok")
    }

    /// Waits for queries in flight and closes the database cleanly (checkpointing the WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A unique-constraint violation, which callers report as a conflict rather than an outage.
fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}
