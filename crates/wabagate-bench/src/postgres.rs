//! PostgreSQL for the backends benchmark: a fresh database on the server the user names
//! (`--database-url`, a role with CREATEDB), dropped at the end, so a shared server is left as
//! it was; and the CPU time of the server processes serving that database, from `/proc` (so
//! only when the server runs on this machine), which leaves out other databases' sessions.

use std::time::Duration;

use anyhow::Context;
use sqlx::{Connection, PgConnection};

use crate::process::cpu_time_of;

/// A database of the benchmark's own on the user's server.
pub(crate) struct BenchDatabase {
    /// The server's URL as given (its database is where `CREATE DATABASE` runs).
    server: String,
    name: String,
    /// The same server's URL naming the new database.
    pub(crate) url: String,
}

impl BenchDatabase {
    pub(crate) async fn create(server: &str) -> anyhow::Result<Self> {
        let name = format!("wabagate_bench_{:016x}", unique_suffix());
        let mut url = url::Url::parse(server).context("--database-url is not a URL")?;
        anyhow::ensure!(
            matches!(url.scheme(), "postgres" | "postgresql"),
            "--database-url must be postgres://USER:PASSWORD@HOST:PORT/DB"
        );
        let mut admin = connect(server).await?;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .context("creating the benchmark's database (the role needs CREATEDB)")?;
        admin.close().await?;
        url.set_path(&name);
        Ok(Self { server: server.to_owned(), name, url: url.to_string() })
    }

    /// Seeding makes hundreds of thousands of single-row commits: without waiting for each
    /// one's WAL flush it takes a minute, not ten. The gateway's sessions start after
    /// [`Self::durable_commits`], with the server's default.
    pub(crate) async fn fast_commits(&self) -> anyhow::Result<()> {
        self.alter(&format!("ALTER DATABASE {} SET synchronous_commit = off", self.name)).await
    }

    pub(crate) async fn durable_commits(&self) -> anyhow::Result<()> {
        self.alter(&format!("ALTER DATABASE {} RESET synchronous_commit", self.name)).await
    }

    async fn alter(&self, statement: &str) -> anyhow::Result<()> {
        let mut admin = connect(&self.server).await?;
        sqlx::query(statement).execute(&mut admin).await?;
        admin.close().await?;
        Ok(())
    }

    /// The server processes serving this database now (the gateway's pool, its listener).
    pub(crate) async fn backends(&self) -> anyhow::Result<Vec<u32>> {
        let mut admin = connect(&self.server).await?;
        let pids: Vec<i32> = sqlx::query_scalar("SELECT pid FROM pg_stat_activity WHERE datname = $1")
            .bind(&self.name)
            .fetch_all(&mut admin)
            .await?;
        admin.close().await?;
        Ok(pids.into_iter().filter_map(|pid| u32::try_from(pid).ok()).collect())
    }

    /// Drops the database, closing whatever sessions are left.
    pub(crate) async fn drop_database(self) -> anyhow::Result<()> {
        let mut admin = connect(&self.server).await?;
        sqlx::query(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)).execute(&mut admin).await?;
        admin.close().await?;
        Ok(())
    }
}

/// The CPU time the database's server processes have used so far, as a map from pid, or
/// `None` when `/proc` does not show them (a server on another machine).
pub(crate) fn backend_cpu(pids: &[u32]) -> Option<Vec<(u32, Duration)>> {
    let times: Vec<(u32, Duration)> =
        pids.iter().filter_map(|&pid| cpu_time_of(pid).ok().map(|time| (pid, time))).collect();
    (pids.is_empty() || !times.is_empty()).then_some(times)
}

/// CPU used between two [`backend_cpu`] samples; a process that started in between counts
/// from zero.
pub(crate) fn cpu_between(before: &[(u32, Duration)], after: &[(u32, Duration)]) -> Duration {
    after
        .iter()
        .map(|(pid, time)| {
            let earlier = before.iter().find(|(old, _)| old == pid).map_or(Duration::ZERO, |(_, time)| *time);
            time.saturating_sub(earlier)
        })
        .sum()
}

async fn connect(url: &str) -> anyhow::Result<PgConnection> {
    let connect = PgConnection::connect(url);
    tokio::time::timeout(Duration::from_secs(10), connect)
        .await
        .context("PostgreSQL did not answer within 10 s")?
        .context("connecting to PostgreSQL (--database-url)")
}

/// A database name suffix no other run uses: the clock and the pid.
fn unique_suffix() -> u64 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
    (nanos as u64) ^ (u64::from(std::process::id()) << 40)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_between_counts_new_processes_from_zero() {
        let ms = Duration::from_millis;
        let before = [(1, ms(10)), (2, ms(5))];
        let after = [(1, ms(14)), (2, ms(5)), (3, ms(2))];
        assert_eq!(cpu_between(&before, &after), ms(6));
    }
}
