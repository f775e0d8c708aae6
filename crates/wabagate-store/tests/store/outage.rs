//! A PostgreSQL restart: while the server is down every verb fails fast as unavailable (what
//! the gateway answers 503 for), and once it is back the same `Store` works again, without
//! being reopened. On a private server (initdb + pg_ctl on a free port in a temp dir), never
//! the machine's shared one, which other tests use.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use wabagate_store::{Keyring, Store};

use crate::KEY;

const BIN: &str = "/usr/lib/postgresql/15/bin";

/// A PostgreSQL server of this test's own, run as the `postgres` user; stopped when dropped.
struct PrivateServer {
    dir: tempfile::TempDir,
    port: u16,
}

impl PrivateServer {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let chown = Command::new("chown").args(["postgres:postgres"]).arg(dir.path()).status().unwrap();
        assert!(chown.success());
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let server = Self { dir, port };
        server.as_postgres(&["initdb", "-D", &server.data(), "-A", "trust", "-U", "wabagate", "--no-sync"]);
        server.pg_ctl("start");
        server
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn url(&self) -> String {
        format!("postgres://wabagate@127.0.0.1:{}/postgres", self.port)
    }

    fn pg_ctl(&self, action: &str) {
        let options = format!("-p {} -k {} -c listen_addresses=127.0.0.1", self.port, self.dir.path().display());
        let log = self.dir.path().join("server.log").display().to_string();
        self.as_postgres(&["pg_ctl", action, "-D", &self.data(), "-w", "-m", "fast", "-l", &log, "-o", &options]);
    }

    fn as_postgres(&self, command: &[&str]) {
        let program: PathBuf = Path::new(BIN).join(command[0]);
        let status = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(program)
            .args(&command[1..])
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "{command:?} failed");
    }
}

impl Drop for PrivateServer {
    fn drop(&mut self) {
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(Path::new(BIN).join("pg_ctl"))
            .args(["stop", "-D", &self.data(), "-m", "immediate"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
}

#[tokio::test]
async fn while_postgres_is_down_the_store_fails_fast_and_then_recovers_by_itself() {
    if wabagate_store::test_database::server_url().is_none() || !Path::new(BIN).join("initdb").exists() {
        println!("while_postgres_is_down…: skipped (needs WABAGATE_TEST_DATABASE_URL and PostgreSQL 15's binaries)");
        return;
    }
    let server = PrivateServer::start();
    let store = Store::open(&server.url(), Keyring::from_hex(KEY, &[]).unwrap()).await.unwrap();
    let acme = store.create_account("acme").await.unwrap();

    server.pg_ctl("stop");
    for _ in 0..3 {
        let started = Instant::now();
        let error = store.find_account("acme").await.unwrap_err();
        assert!(error.is_unavailable(), "{error:?}");
        assert!(started.elapsed() < Duration::from_secs(5), "failed after {:?}", started.elapsed());
    }
    assert!(store.ping().await.unwrap_err().is_unavailable());

    server.pg_ctl("start");
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        match store.find_account("acme").await {
            Ok(found) => break assert_eq!(found, acme),
            Err(error) => assert!(Instant::now() < deadline, "not back after the restart: {error:?}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    store.ping().await.unwrap();
}
