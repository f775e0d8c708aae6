//! A fresh, empty database for one test, on the backend the test run chose: a SQLite file
//! by default, or, when `WABAGATE_TEST_DATABASE_URL` names a PostgreSQL server (a role with
//! CREATEDB, e.g. `postgres://wabagate:wabagate@127.0.0.1:5432/postgres`), a new database
//! `wg_<random>` there, dropped when the test ends. Every suite picks its backend here, so
//! one variable runs them all on PostgreSQL and no two tests ever share a database.
//! [`PrivateServer`] is a whole PostgreSQL server of one test's own, for tests that stop it.

mod private_server;

use std::path::Path;
use std::time::Duration;

use sqlx::Connection;
use sqlx::postgres::PgConnection;

pub use private_server::PrivateServer;

/// The variable that switches the suites to PostgreSQL.
pub const VARIABLE: &str = "WABAGATE_TEST_DATABASE_URL";

/// One test's database; a PostgreSQL one is dropped (best effort) when this is.
#[derive(Debug)]
pub struct TestDatabase {
    url: String,
    postgres: Option<Created>,
}

#[derive(Debug)]
struct Created {
    server: String,
    name: String,
}

impl TestDatabase {
    /// SQLite at `sqlite_file`, unless the run is on PostgreSQL.
    pub async fn create(sqlite_file: &Path) -> Self {
        match server_url() {
            None => Self { url: format!("sqlite://{}", sqlite_file.display()), postgres: None },
            Some(server) => {
                let name = format!("wg_{}", uuid::Uuid::new_v4().simple());
                let mut admin = connect(&server).await;
                sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("CREATE DATABASE");
                let _ = admin.close().await;
                let url = database_in(&server, &name);
                Self { url, postgres: Some(Created { server, name }) }
            }
        }
    }

    /// The URL to open (`Store::open`, `--database-url`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Whether this run is on PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }
}

/// The PostgreSQL server of this run, if it is on PostgreSQL.
pub fn server_url() -> Option<String> {
    std::env::var(VARIABLE).ok().filter(|url| !url.is_empty())
}

/// `server` (any database on it) pointed at database `name`.
pub fn database_in(server: &str, name: &str) -> String {
    let mut url = url::Url::parse(server).expect("WABAGATE_TEST_DATABASE_URL is a URL");
    url.set_path(name);
    url.to_string()
}

async fn connect(server: &str) -> PgConnection {
    tokio::time::timeout(Duration::from_secs(10), PgConnection::connect(server))
        .await
        .expect("PostgreSQL answers within 10 s")
        .unwrap_or_else(|error| panic!("connecting to {}: {error}", crate::redacted(server)))
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some(created) = self.postgres.take() else { return };
        // Drop runs outside async: a thread of its own with its own runtime, waited for so
        // the database is gone when the test is; FORCE ends connections the test left open.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            runtime.block_on(async {
                let mut admin = tokio::time::timeout(Duration::from_secs(10), PgConnection::connect(&created.server))
                    .await
                    .ok()?
                    .ok()?;
                let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", created.name);
                let _ = tokio::time::timeout(Duration::from_secs(10), sqlx::query(&sql).execute(&mut admin)).await;
                let _ = admin.close().await;
                Some(())
            })
        });
        let _ = dropped.join();
    }
}
