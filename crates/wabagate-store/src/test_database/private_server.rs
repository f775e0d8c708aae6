//! A PostgreSQL server of one test's own, for the tests that stop and start it (an outage, a
//! restart): `initdb` and `pg_ctl` in a temp dir on a free port, run as the `postgres` user
//! (PostgreSQL will not run as root), never the machine's shared server, which other tests
//! use. Its role `wabagate` has a random password, so a test can check that no log line
//! shows it. Stopped at once when dropped.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use sqlx::Connection;
use sqlx::postgres::PgConnection;

/// Debian's PostgreSQL 15 programs (the `postgresql` package `.ci/run` relies on).
const PROGRAMS: &str = "/usr/lib/postgresql/15/bin";

/// A running private PostgreSQL server.
#[derive(Debug)]
pub struct PrivateServer {
    dir: tempfile::TempDir,
    port: u16,
    password: String,
}

impl PrivateServer {
    /// Starts one when the run is on PostgreSQL (`WABAGATE_TEST_DATABASE_URL`) and its
    /// programs are installed; else `None`, after printing why `test` is skipped.
    pub fn start(test: &str) -> Option<Self> {
        if super::server_url().is_none() || !Path::new(PROGRAMS).join("initdb").exists() {
            println!("{test}: skipped (needs {} and PostgreSQL 15's programs in {PROGRAMS})", super::VARIABLE);
            return None;
        }
        let dir = tempfile::tempdir().expect("a temp dir");
        let password = uuid::Uuid::new_v4().simple().to_string();
        let password_file = dir.path().join("password");
        std::fs::write(&password_file, &password).expect("writing the password file");
        run(Command::new("chown").args(["-R", "postgres:postgres"]).arg(dir.path()));
        // Bound and let go: another process could take the port in between, which no test has yet.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let server = Self { dir, port, password };
        let password_file = password_file.display().to_string();
        server.as_postgres(&[
            "initdb",
            "-D",
            &server.data(),
            "-U",
            "wabagate",
            "-A",
            "scram-sha-256",
            "--pwfile",
            &password_file,
            "--no-sync",
        ]);
        server.start_again();
        Some(server)
    }

    /// `postgres://wabagate:PASSWORD@127.0.0.1:PORT/postgres`.
    pub fn url(&self) -> String {
        format!("postgres://wabagate:{}@127.0.0.1:{}/postgres", self.password, self.port)
    }

    /// The role's password, which no log should show.
    pub fn password(&self) -> &str {
        &self.password
    }

    /// Stops the server as an orchestrator restarting it does (`pg_ctl stop -m fast`: open
    /// sessions are ended, new ones refused); returns once it is down.
    pub fn stop(&self) {
        self.pg_ctl("stop");
    }

    /// Starts the (stopped) server again; returns once it accepts connections.
    pub fn start_again(&self) {
        self.pg_ctl("start");
    }

    /// How many sessions listen for notifications now (a `LISTEN` was the last thing they
    /// ran, as a listener waiting for them has).
    pub async fn listening_sessions(&self) -> i64 {
        let mut connection =
            tokio::time::timeout(Duration::from_secs(10), PgConnection::connect(&self.url())).await.unwrap().unwrap();
        #[allow(clippy::disallowed_methods, reason = "the native PostgreSQL driver reads the whole reply")]
        let row: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM pg_stat_activity WHERE query LIKE 'LISTEN %'")
            .fetch_one(&mut connection)
            .await
            .unwrap();
        let _ = connection.close().await;
        row.0
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn pg_ctl(&self, action: &str) {
        let options = format!("-p {} -k {} -c listen_addresses=127.0.0.1", self.port, self.dir.path().display());
        let log = self.dir.path().join("server.log").display().to_string();
        self.as_postgres(&["pg_ctl", action, "-D", &self.data(), "-w", "-m", "fast", "-l", &log, "-o", &options]);
    }

    fn as_postgres(&self, command: &[&str]) {
        let program: PathBuf = Path::new(PROGRAMS).join(command[0]);
        run(Command::new("runuser").args(["-u", "postgres", "--"]).arg(program).args(&command[1..]));
    }
}

fn run(command: &mut Command) {
    let status = command.stdout(Stdio::null()).status().expect("running a PostgreSQL program");
    assert!(status.success(), "{command:?} failed");
}

impl Drop for PrivateServer {
    fn drop(&mut self) {
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(Path::new(PROGRAMS).join("pg_ctl"))
            .args(["stop", "-D", &self.data(), "-m", "immediate"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}
