//! Rows read only once the database's whole reply is in.
//!
//! On PostgreSQL, sqlx's `Any` driver (0.8) answers `fetch_one` and `fetch_optional` with
//! the first row the server sends and leaves the rest of the reply unread. For a statement
//! outside a transaction the rest is where its fate is told: PostgreSQL commits at the end
//! of the statement, after its `RETURNING` row is written, and a server stopped in between
//! rolls the statement back and says so after the row. Read that way, an
//! `INSERT … RETURNING` can come back with an id for a row that was never stored, and a
//! webhook body be acknowledged to Meta and lost: the PostgreSQL restart test saw it.
//!
//! So the store reads rows through these two, which read the reply to its end
//! (`ReadyForQuery`) and fail if it ends in an error. The early-answering methods are
//! refused in this crate by `clippy.toml`. Everything here returns at most one row, so
//! reading all of it costs nothing.

use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, Executor};

/// The first row of the reply, if any, once the reply has ended without an error.
pub(crate) async fn optional<'q, 'e, 'c: 'e, E>(
    query: Query<'q, Any, AnyArguments<'q>>,
    executor: E,
) -> Result<Option<AnyRow>, sqlx::Error>
where
    'q: 'e,
    E: 'e + Executor<'c, Database = Any>,
{
    let rows = query.fetch_all(executor).await?;
    Ok(rows.into_iter().next())
}

/// The first row of the reply, once it has ended without an error; `RowNotFound` when the
/// reply has none.
pub(crate) async fn one<'q, 'e, 'c: 'e, E>(
    query: Query<'q, Any, AnyArguments<'q>>,
    executor: E,
) -> Result<AnyRow, sqlx::Error>
where
    'q: 'e,
    E: 'e + Executor<'c, Database = Any>,
{
    optional(query, executor).await?.ok_or(sqlx::Error::RowNotFound)
}
