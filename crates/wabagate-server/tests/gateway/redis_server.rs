//! Redis for the tests of the global rate limit: the shared one named by
//! `WABAGATE_TEST_REDIS_URL` (tests skip, saying why, when it is unset), and private
//! `redis-server` processes on a Unix socket in a temp dir, for tests that stop, pause or
//! restart Redis (never the shared one). Keys never collide between tests: each log is
//! named after a fresh account's id. Also used by the binary's tests (`#[path]`).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The shared Redis's URL, or `None` after printing why the calling test is skipped.
pub fn shared_redis_url(test: &str) -> Option<String> {
    match std::env::var("WABAGATE_TEST_REDIS_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            eprintln!("skipped {test}: set WABAGATE_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379) to run it");
            None
        }
    }
}

/// A `redis-server` of the test's own, killed when dropped.
pub struct PrivateRedis {
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl PrivateRedis {
    /// Starts one when the Redis tests run (`WABAGATE_TEST_REDIS_URL` set), else `None`
    /// after saying why the test is skipped.
    pub async fn start(test: &str) -> Option<Self> {
        shared_redis_url(test)?;
        let mut redis = Self { dir: tempfile::tempdir().unwrap(), child: None };
        redis.resume_service().await;
        Some(redis)
    }

    fn socket(&self) -> PathBuf {
        self.dir.path().join("redis.sock")
    }

    /// `unix:///…/redis.sock`: the same address across restarts, and no port to race for.
    pub fn url(&self) -> String {
        format!("unix://{}", self.socket().display())
    }

    /// Kills the server (as a crash would): connections drop, nothing answers.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_file(self.socket());
    }

    /// Starts the server again on the same socket, and waits until it answers.
    pub async fn resume_service(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", "0", "--save", "", "--appendonly", "no", "--unixsocket"])
            .arg(self.socket())
            .args(["--unixsocketperm", "700", "--dir"])
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is installed (.ci/run installs it)");
        self.child = Some(child);
        for _ in 0..500 {
            if self.answers().await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the private redis-server did not answer within 5 s");
    }

    /// SIGSTOP or SIGCONT: a Redis that hangs, with its connections open.
    pub fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().expect("running").id().to_string();
        assert!(Command::new("kill").args([signal, &pid]).status().unwrap().success());
    }

    async fn answers(&self) -> bool {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let ping = async {
            let mut socket = tokio::net::UnixStream::connect(self.socket()).await.ok()?;
            socket.write_all(b"PING\r\n").await.ok()?;
            let mut answer = [0u8; 7];
            socket.read_exact(&mut answer).await.ok()?;
            Some(&answer == b"+PONG\r\n")
        };
        tokio::time::timeout(Duration::from_secs(1), ping).await.ok().flatten().unwrap_or(false)
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.kill();
    }
}
