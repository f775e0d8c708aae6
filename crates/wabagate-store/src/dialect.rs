//! Where SQLite and PostgreSQL differ, in one place. Every query in the store is written
//! once, with numbered placeholders (`$1`, which both accept) and the column types both
//! decode alike (integers, text, bytes); what one of them spells differently (JSON functions,
//! taking the write lock, row claims that skip locked rows, backups) is a method here, so no
//! store verb branches on the backend.

use sqlx::{Any, AnyConnection, AnyPool, Transaction};

use crate::{StoreError, StoreResult};

/// The backend a [`crate::Store`] runs on, chosen by its URL's scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// The advisory lock (any fixed number) that serialises connection changes on PostgreSQL,
/// where no single writer does it: every change reads, then rewrites, part of the routing index.
const CONNECTION_CHANGES_LOCK: i64 = 0x7761_6261_6761_7465; // "wabagate"

impl Dialect {
    /// The dialect of a database URL: `sqlite:` or `postgres:`/`postgresql:`.
    pub fn of_url(url: &str) -> Option<Self> {
        let scheme = url.split(':').next().unwrap_or_default();
        match scheme {
            "sqlite" => Some(Self::Sqlite),
            "postgres" | "postgresql" => Some(Self::Postgres),
            _ => None,
        }
    }

    /// The dialect of an open connection (for code handed a transaction, not the store).
    pub(crate) fn of_connection(connection: &AnyConnection) -> Self {
        if connection.backend_name() == Self::Postgres.name() { Self::Postgres } else { Self::Sqlite }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite",
            Self::Postgres => "PostgreSQL",
        }
    }

    /// The schema migrations of this backend (the two folders are kept in step: same
    /// versions, same tables and columns).
    pub(crate) fn migrator(self) -> sqlx::migrate::Migrator {
        match self {
            Self::Sqlite => sqlx::migrate!("./migrations/sqlite"),
            Self::Postgres => sqlx::migrate!("./migrations/postgres"),
        }
    }

    /// What each new connection runs before its first query.
    pub(crate) fn connection_setup(self) -> &'static str {
        match self {
            // WAL lets the gateway read while an admin command writes; with WAL, NORMAL is
            // durable across application crashes and much faster than FULL. A checkpoint
            // every 10,000 WAL pages (about 40 MiB) rather than SQLite's 1,000: the ledger's
            // batches rewrite the same index pages (their tails, their inner nodes), and each
            // checkpoint copies those back into the database once, so checkpointing a tenth
            // as often cut the bytes written per recorded send by a third
            // (docs/performance.md, sixth round).
            Self::Sqlite => {
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
                 PRAGMA busy_timeout = 5000; PRAGMA wal_autocheckpoint = 10000;"
            }
            // Every wait has a limit: no statement or lock wait outlives a request.
            Self::Postgres => "SET statement_timeout = '30s'; SET lock_timeout = '10s';",
        }
    }

    /// A transaction that reads and then writes what it read (the routing index rebuild),
    /// holding the write lock from its start.
    pub(crate) async fn begin_exclusive(self, pool: &AnyPool) -> StoreResult<Transaction<'static, Any>> {
        match self {
            // IMMEDIATE takes the write lock first (waiting out `busy_timeout`): a deferred
            // transaction that reads and then writes fails at once with SQLITE_BUSY_SNAPSHOT
            // when another process commits in between.
            Self::Sqlite => Ok(pool.begin_with("BEGIN IMMEDIATE").await?),
            Self::Postgres => {
                let mut tx = pool.begin().await?;
                self.serialize_connection_changes(&mut tx).await?;
                Ok(tx)
            }
        }
    }

    /// A transaction that only reads, and sees one snapshot for all its statements: a
    /// message and its status history read together agree, even while statuses land.
    pub(crate) async fn begin_snapshot(self, pool: &AnyPool) -> StoreResult<Transaction<'static, Any>> {
        match self {
            // In WAL mode a read transaction keeps the snapshot of its first read.
            Self::Sqlite => Ok(pool.begin().await?),
            // READ COMMITTED, the default, takes a new snapshot for every statement.
            Self::Postgres => Ok(pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?),
        }
    }

    /// Makes the transaction on `connection` the only one changing connections (and so
    /// rebuilding the routing index) until it ends. Called before its first write to
    /// `connections`, so two instances never interleave rebuilds, nor deadlock on them.
    pub(crate) async fn serialize_connection_changes(self, connection: &mut AnyConnection) -> StoreResult<()> {
        match self {
            // One writer at a time already.
            Self::Sqlite => Ok(()),
            Self::Postgres => {
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(CONNECTION_CHANGES_LOCK)
                    .execute(connection)
                    .await?;
                Ok(())
            }
        }
    }

    /// `column` (JSON text) with `key` set to the JSON text bound as `param`; text again.
    pub(crate) fn json_set(self, column: &str, key: &str, param: &str) -> String {
        match self {
            Self::Sqlite => format!("json_set({column}, '$.{key}', json({param}))"),
            Self::Postgres => format!("jsonb_set({column}::jsonb, '{{{key}}}', {param}::jsonb)::text"),
        }
    }

    /// A table of one text column, `value`, holding the strings of the JSON array `array`
    /// (an expression of JSON text); `alias` names the table.
    pub(crate) fn json_strings(self, array: &str, alias: &str) -> String {
        match self {
            Self::Sqlite => format!("json_each({array}) AS {alias}"),
            Self::Postgres => format!("jsonb_array_elements_text({array}::jsonb) AS {alias}(value)"),
        }
    }

    /// The JSON text of `key` of the JSON object `column`, or NULL.
    pub(crate) fn json_field(self, column: &str, key: &str) -> String {
        match self {
            Self::Sqlite => format!("json_extract({column}, '$.{key}')"),
            Self::Postgres => format!("({column}::jsonb -> '{key}')::text"),
        }
    }

    /// True when `key` of the JSON object `column` is JSON `true`.
    pub(crate) fn json_is_true(self, column: &str, key: &str) -> String {
        match self {
            Self::Sqlite => format!("coalesce(json_extract({column}, '$.{key}'), 0) = 1"),
            Self::Postgres => format!("coalesce({column}::jsonb -> '{key}' = 'true'::jsonb, false)"),
        }
    }

    /// True when the JSON object `column` maps the key bound as `key` to the string bound as
    /// `value`.
    pub(crate) fn json_has_string(self, column: &str, key: &str, value: &str) -> String {
        match self {
            Self::Sqlite => format!("EXISTS (SELECT 1 FROM json_each({column}) WHERE key = {key} AND value = {value})"),
            Self::Postgres => format!("coalesce({column}::jsonb ->> {key} = {value}, false)"),
        }
    }

    /// How a claim locks the rows it chose: PostgreSQL skips rows another instance is
    /// claiming right now (it will have them); SQLite has one writer, so nothing to skip.
    pub(crate) fn skip_locked(self) -> &'static str {
        match self {
            Self::Sqlite => "",
            Self::Postgres => "FOR UPDATE SKIP LOCKED",
        }
    }

    /// Refuses what only SQLite's file can do (`admin backup`), with what to do instead.
    pub(crate) fn require_sqlite(self, what: &str) -> StoreResult<()> {
        match self {
            Self::Sqlite => Ok(()),
            Self::Postgres => Err(StoreError::Backup(format!(
                "{what} copies a SQLite file; on PostgreSQL use its own tools (pg_dump, or the provider's snapshots)"
            ))),
        }
    }
}
