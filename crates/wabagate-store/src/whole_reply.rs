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
//! So the store reads rows with [`WholeReply`]'s two methods, which read the reply to its
//! end (`ReadyForQuery`) and fail if it ends in an error. The early-answering methods are
//! refused in this crate by `clippy.toml`. Every query read this way returns at most a few
//! rows, so reading all of them costs nothing.

use std::future::Future;

use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, Executor};

/// `fetch_one` and `fetch_optional`, answered after the reply's end.
pub(crate) trait WholeReply<'q> {
    /// The first row of the reply, once it has ended without an error; `RowNotFound` when
    /// the reply has none.
    fn fetch_one_whole<'e, 'c: 'e, E>(self, executor: E) -> impl Future<Output = sqlx::Result<AnyRow>> + Send + 'e
    where
        'q: 'e,
        E: 'e + Executor<'c, Database = Any>;

    /// The first row of the reply, if any, once the reply has ended without an error.
    fn fetch_optional_whole<'e, 'c: 'e, E>(
        self,
        executor: E,
    ) -> impl Future<Output = sqlx::Result<Option<AnyRow>>> + Send + 'e
    where
        'q: 'e,
        E: 'e + Executor<'c, Database = Any>;
}

impl<'q> WholeReply<'q> for Query<'q, Any, AnyArguments<'q>> {
    async fn fetch_one_whole<'e, 'c: 'e, E>(self, executor: E) -> sqlx::Result<AnyRow>
    where
        'q: 'e,
        E: 'e + Executor<'c, Database = Any>,
    {
        self.fetch_optional_whole(executor).await?.ok_or(sqlx::Error::RowNotFound)
    }

    async fn fetch_optional_whole<'e, 'c: 'e, E>(self, executor: E) -> sqlx::Result<Option<AnyRow>>
    where
        'q: 'e,
        E: 'e + Executor<'c, Database = Any>,
    {
        Ok(self.fetch_all(executor).await?.into_iter().next())
    }
}
