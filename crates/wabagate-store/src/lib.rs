//! wabagate's persistent state: accounts, API keys, connections, and what Meta reports
//! about them (webhook bodies, the message ledger, templates, connection events), and the
//! outbound events with their subscriptions and durable outbox.
//!
//! Handlers see one [`Store`] with domain verbs (`create_connection`, `account_for_key`,
//! …) and never SQL. Meta tokens are sealed and opened here ([`sealed_token`]), so nothing
//! above this crate handles ciphertext, and nothing below the gateway sees a plain token
//! except the upstream `Authorization` header.
//!
//! The backend is SQLite (WAL, the default) or PostgreSQL, chosen by the URL. One set of
//! queries runs on both through sqlx's `Any` driver; where the dialects differ, the
//! difference is a method of [`Dialect`].

mod accounts;
pub mod api_key;
mod api_keys;
mod backup;
mod cache_changes;
mod cache_revision;
mod connect_session;
mod connection_census;
mod connection_events;
mod connections;
mod database_url;
mod dialect;
mod event_notices;
mod events;
mod key_check;
mod ledger;
mod notice_listener;
mod outbox;
mod private_files;
mod records;
pub mod sealed_token;
mod template_mirror;
#[cfg(feature = "test-database")]
pub mod test_database;
mod timestamp;
mod webhook_intake;
mod webhook_routes;
mod webhook_subscriptions;
mod whole_reply;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AnyPool, Executor};

use crate::whole_reply::WholeReply;

pub use api_key::{ApiKey, ApiKeyHash, MalformedKey};
pub use cache_changes::CacheChanges;
pub use connect_session::{ConnectSessionError, FlowSecret, SessionConnection};
pub use connection_census::ConnectionCensus;
pub use connection_events::{ConnectionEvent, NewEvent};
pub use database_url::redacted;
pub use dialect::Dialect;
pub use event_notices::EventNotices;
pub use events::{EVENT_RETENTION_SECONDS, NewOutboundEvent, StoredEvent};
pub use ledger::{
    ConversationSummary, InboundRecord, LedgerCursor, LedgerMessage, MessageFilter, SERVICE_WINDOW_SECONDS, SendRecord,
    StatusEntry, StatusReport,
};
pub use outbox::{
    ATTEMPT_RETENTION, AttemptOutcome, AttemptRecord, AttemptView, ClaimedDelivery, DISABLE_AFTER_FAILING,
    DeliveryFilter, DeliveryView, Finished, OutboxCounts,
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
    /// The database could not be reached, told to a caller that waited on someone else's
    /// attempt (which keeps the original error): asking again would only double its wait.
    #[error("the database is not reachable")]
    Unavailable,
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
    #[error(
        "the database schema is behind this wabagate (it has migration {applied}; this version needs {known}): run `wabagate admin migrate` first"
    )]
    SchemaBehind { applied: i64, known: i64 },
}

impl StoreError {
    /// Whether the database could not be reached at all (as opposed to a bad query or row).
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Unavailable => true,
            Self::Database(sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_)) => true,
            Self::Database(sqlx::Error::Database(error)) => is_connection_failure(&**error),
            _ => false,
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The gateway's store: a connection pool and the keyring that seals tokens.
/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    /// Where the ledger writer's sends are written: on SQLite one connection of its own,
    /// whose page cache stays warm from one batch to the next (a pooled connection's cache
    /// is dropped whenever another connection has written since it was last used, and the
    /// pool hands its connections out in turn); on PostgreSQL the pool itself.
    sends_pool: AnyPool,
    dialect: Dialect,
    keyring: Arc<Keyring>,
    /// Where to open the cache-change listener (PostgreSQL only); hides its password.
    url: database_url::DatabaseUrl,
}

/// Whether [`Store::open_with`] brings the schema up to date or only checks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Migrations {
    /// Run the migrations this version knows (the default of `serve` and `admin`).
    Run,
    /// Refuse a schema that lacks one ([`StoreError::SchemaBehind`]), for deployments that
    /// migrate once with `wabagate admin migrate` rather than at every instance's start.
    Check,
}

/// How long a query waits for a pooled connection before the store counts as unavailable
/// (then 503): a database that is down answers quickly, never hangs a request.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

impl Store {
    /// Opens (creating if needed) the database at `url` and brings its schema up to date.
    ///
    /// `url` is `sqlite://PATH` (or `sqlite::memory:`) or `postgres://USER:PASSWORD@HOST/DB`;
    /// other schemes are refused with [`StoreError::UnsupportedUrl`]. SQLite's files are
    /// created private (0600). A database migrated by a newer version is refused with
    /// [`StoreError::NewerSchema`].
    pub async fn open(url: &str, keyring: Keyring) -> StoreResult<Self> {
        Self::open_with(url, keyring, Migrations::Run).await
    }

    /// [`Store::open`], migrating or only checking the schema.
    pub async fn open_with(url: &str, keyring: Keyring, migrations: Migrations) -> StoreResult<Self> {
        let Some(dialect) = Dialect::of_url(url) else {
            let scheme = url.split(':').next().unwrap_or_default();
            return Err(StoreError::UnsupportedUrl(format!(
                "`{scheme}:` is not supported; wabagate stores in SQLite (`sqlite://PATH`) or PostgreSQL (`postgres://…`)"
            )));
        };
        sqlx::any::install_default_drivers();
        if dialect == Dialect::Sqlite {
            prepare_sqlite_file(url)?;
        }
        let setup = dialect.connection_setup();
        let connections = match dialect {
            Dialect::Sqlite => 8,
            Dialect::Postgres => 16,
        };
        let pool = pool_options(connections, setup).connect(url).await?;
        let migrator = dialect.migrator();
        let known = migrator.iter().map(|migration| migration.version).max().unwrap_or(0);
        let outcome = match migrations {
            Migrations::Run => migrator.run(&pool).await.map_err(StoreError::from),
            Migrations::Check => check_schema(&pool, known).await,
        };
        match outcome {
            Ok(()) => {}
            Err(StoreError::Migrate(sqlx::migrate::MigrateError::VersionMissing(applied))) => {
                pool.close().await;
                return Err(StoreError::NewerSchema { applied, known });
            }
            Err(error) => {
                pool.close().await;
                return Err(error);
            }
        }
        // Opened at the first send, so a command that records none (`admin …`) opens nothing
        // more; the main pool has just opened the same file.
        let sends_pool = match dialect {
            Dialect::Sqlite => pool_options(1, setup).connect_lazy(url)?,
            Dialect::Postgres => pool.clone(),
        };
        let store =
            Self { pool, sends_pool, dialect, keyring: Arc::new(keyring), url: database_url::DatabaseUrl::new(url) };
        // The routing index is derived data: rebuilt at open, it is right even for
        // connections written before it existed.
        store.rebuild_webhook_routes().await?;
        Ok(store)
    }

    /// Which backend this store runs on.
    pub fn dialect(&self) -> Dialect {
        self.dialect
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

    /// SQLite's `PRAGMA integrity_check`: true when the database file is sound. PostgreSQL
    /// checks its own pages; there it is true when the database answers.
    pub async fn integrity_ok(&self) -> StoreResult<bool> {
        if self.dialect == Dialect::Postgres {
            return self.ping().await.map(|()| true);
        }
        let row = sqlx::query("PRAGMA integrity_check").fetch_one_whole(&self.pool).await?;
        Ok(sqlx::Row::try_get::<String, _>(&row, 0)? == "ok")
    }

    /// Waits for queries in flight and closes the database cleanly (checkpointing the WAL).
    pub async fn close(&self) {
        self.sends_pool.close().await;
        self.pool.close().await;
    }
}

/// A pool of at most `connections`, each set up with `setup` when it opens.
fn pool_options(connections: u32, setup: &'static str) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(connections)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .after_connect(move |connection, _| Box::pin(async move { connection.execute(setup).await.map(drop) }))
}

/// Creates SQLite's database file private (0600) before SQLite opens it.
fn prepare_sqlite_file(url: &str) -> StoreResult<()> {
    if url.contains(":memory:") || url.contains("mode=memory") {
        return Ok(());
    }
    let options = SqliteConnectOptions::from_str(url)?;
    let path = options.get_filename();
    private_files::prepare_database_file(path)
        .map_err(|source| StoreError::DatabaseFile { path: path.display().to_string(), source })
}

/// The schema check of [`Migrations::Check`]: every migration this version knows is applied,
/// and none it does not know.
async fn check_schema(pool: &AnyPool, known: i64) -> StoreResult<()> {
    let applied = match sqlx::query("SELECT MAX(version) AS version FROM _sqlx_migrations WHERE success")
        .fetch_one_whole(pool)
        .await
    {
        Ok(row) => sqlx::Row::try_get::<Option<i64>, _>(&row, "version")?.unwrap_or(0),
        // No migrations table: a database never migrated.
        Err(sqlx::Error::Database(error)) if !is_connection_failure(&*error) => 0,
        Err(error) => return Err(error.into()),
    };
    match applied.cmp(&known) {
        std::cmp::Ordering::Less => Err(StoreError::SchemaBehind { applied, known }),
        std::cmp::Ordering::Equal => Ok(()),
        std::cmp::Ordering::Greater => Err(sqlx::migrate::MigrateError::VersionMissing(applied).into()),
    }
}

/// PostgreSQL going away mid-query: a connection exception (class 08), or the server
/// shutting down or starting up (57P01–57P03).
fn is_connection_failure(error: &dyn sqlx::error::DatabaseError) -> bool {
    error.code().is_some_and(|code| code.starts_with("08") || code.starts_with("57P"))
}

/// A unique-constraint violation, which callers report as a conflict rather than an outage.
fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}
