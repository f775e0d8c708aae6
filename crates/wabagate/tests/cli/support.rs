//! Running the real `wabagate` binary: `serve` and `sandbox` processes on port 0, their
//! address read from their first stdout line, stopped (SIGTERM, then kill) when dropped.
//! When the run is on PostgreSQL (`WABAGATE_TEST_DATABASE_URL`), every data dir a command
//! names gets a fresh database of its own ([`on_test_database`]).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use wabagate_store::test_database::TestDatabase;

pub const BINARY: &str = env!("CARGO_BIN_EXE_wabagate");

/// Every variable that could point a command elsewhere than the test's own gateway: all of
/// wabagate's own (`WABAGATE_*`, so a new setting cannot be forgotten here) and these.
const INHERITED_SETTINGS: &[&str] = &["DATABASE_URL", "MATON_API_KEY", "BROWSER"];

fn is_inherited_setting(name: &std::ffi::OsStr) -> bool {
    let name = name.to_string_lossy();
    name.starts_with("WABAGATE_") || INHERITED_SETTINGS.contains(&name.as_ref())
}

/// A `wabagate` command with none of the caller's wabagate settings leaking in.
pub fn wabagate() -> Command {
    let mut command = Command::new(BINARY);
    for (name, _) in std::env::vars_os().filter(|(name, _)| is_inherited_setting(name)) {
        command.env_remove(name);
    }
    // No profile of the person running the tests is seen (`wabagate login` tests set their own).
    command.env("XDG_CONFIG_HOME", "/nonexistent/wabagate-tests").env("WABAGATE_LOG", "info").kill_on_drop(true);
    command
}

/// A running `wabagate serve` or `wabagate sandbox`.
pub struct Process {
    child: Child,
    pub base_url: String,
    /// Everything the process printed on stdout before it started serving.
    pub banner: String,
    pub log_file: PathBuf,
}

impl Process {
    /// `wabagate serve --listen 127.0.0.1:0 --data-dir DIR ARGS…`
    pub async fn serve(data_dir: &Path, args: &[&str]) -> Self {
        let mut command = wabagate();
        command.args(["serve", "--listen", "127.0.0.1:0", "--data-dir"]).arg(data_dir).args(args);
        Self::start(command, data_dir.join("serve.log"), "wabagate listening on ").await
    }

    /// `wabagate sandbox --listen 127.0.0.1:0 ARGS…`
    pub async fn sandbox(log_dir: &Path, args: &[&str]) -> Self {
        let mut command = wabagate();
        command.args(["sandbox", "--listen", "127.0.0.1:0"]).args(args);
        Self::start(command, log_dir.join("sandbox.log"), "listening on ").await
    }

    /// A `serve` command the caller prepared (environment, flags), started like [`Process::serve`].
    pub async fn start_command(command: Command, log_file: PathBuf) -> Self {
        Self::start(command, log_file, "wabagate listening on ").await
    }

    async fn start(mut command: Command, log_file: PathBuf, marker: &str) -> Self {
        on_test_database(&mut command).await;
        let log = std::fs::File::create(&log_file).unwrap();
        let mut child = command.stdout(Stdio::piped()).stderr(Stdio::from(log)).stdin(Stdio::null()).spawn().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut banner = String::new();
        let base_url = tokio::time::timeout(Duration::from_secs(60), async {
            loop {
                let Some(line) = lines.next_line().await.unwrap() else {
                    panic!(
                        "the process exited before serving; stdout:\n{banner}\nlog:\n{}",
                        std::fs::read_to_string(&log_file).unwrap_or_default()
                    )
                };
                banner.push_str(&line);
                banner.push('\n');
                if let Some(at) = line.find(marker) {
                    let url = &line[at + marker.len()..];
                    break url.split_whitespace().next().unwrap().to_owned();
                }
            }
        })
        .await
        .expect("the process serves within a minute");
        // Keep draining stdout so the process never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Self { child, base_url, banner, log_file }
    }

    pub fn pid(&self) -> u32 {
        self.child.id().expect("the process is running")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Sends SIGTERM, as an orchestrator stopping the service does.
    pub fn terminate(&self) {
        let status = std::process::Command::new("kill").args(["-TERM", &self.pid().to_string()]).status().unwrap();
        assert!(status.success());
    }

    /// SIGKILL, as a crash or an OOM kill does, and waits until the process is gone (and
    /// its data dir lock with it).
    pub async fn kill(mut self) {
        self.child.start_kill().unwrap();
        tokio::time::timeout(Duration::from_secs(15), self.child.wait()).await.expect("dies within 15 s").unwrap();
    }

    /// SIGTERM, then the exit status (within 15 s).
    pub async fn stop(mut self) -> std::process::ExitStatus {
        self.terminate();
        tokio::time::timeout(Duration::from_secs(15), self.child.wait()).await.expect("stops within 15 s").unwrap()
    }

    /// A line of /proc/PID/status in kB (VmRSS: resident now; VmHWM: the peak so far).
    pub fn memory_kb(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        let line = status.lines().find(|line| line.starts_with(field)).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_file).unwrap_or_default()
    }
}

/// What `serve --demo` wrote to DATA_DIR/demo.json.
#[derive(Debug, serde::Deserialize, PartialEq, Eq)]
pub struct Demo {
    pub base_url: String,
    pub api_key: String,
    pub connection_id: String,
    pub phone_number_id: String,
    pub waba_id: String,
}

impl Demo {
    pub fn read(data_dir: &Path) -> Self {
        serde_json::from_slice(&std::fs::read(data_dir.join("demo.json")).unwrap()).unwrap()
    }
}

/// Runs `wabagate ARGS…` to completion: (exit code, stdout, stderr).
pub async fn run(args: &[&str]) -> (i32, String, String) {
    let mut command = wabagate();
    command.args(args);
    on_test_database(&mut command).await;
    let output = command.stdin(Stdio::null()).output().await.unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// The hosted product's "send a text message" example body.
pub fn hello_text() -> serde_json::Value {
    serde_json::json!({
        "messaging_product": "whatsapp",
        "to": "1234567890",
        "type": "text",
        "text": {"body": "Hello from WhatsApp Business!"}
    })
}

/// Whether this run is on PostgreSQL; a test about SQLite's files prints why it skips.
pub fn on_postgres(test: &str) -> bool {
    let postgres = wabagate_store::test_database::server_url().is_some();
    if postgres {
        println!("{test}: skipped on PostgreSQL (it is about SQLite's files)");
    }
    postgres
}

/// On PostgreSQL, points `command` at the database of the data dir it names (`--data-dir
/// DIR`), created on first use, unless it chose its database itself. The databases live as
/// long as the test process (`.ci/run` drops what is left of them).
pub async fn on_test_database(command: &mut Command) {
    if wabagate_store::test_database::server_url().is_none() {
        return;
    }
    let std = command.as_std();
    let chose = std.get_envs().any(|(name, value)| name == "WABAGATE_DATABASE_URL" && value.is_some())
        || std.get_args().any(|arg| arg == "--database-url");
    let args: Vec<_> = std.get_args().collect();
    let Some(data_dir) = args.windows(2).find(|pair| pair[0] == "--data-dir").map(|pair| PathBuf::from(pair[1])) else {
        return;
    };
    if chose {
        return;
    }
    let url = database_url(&data_dir).await;
    command.env("WABAGATE_DATABASE_URL", url);
}

/// The database URL of a data dir: its SQLite file, or on PostgreSQL its own database
/// (created on first use, then the same for every command naming that dir).
pub async fn database_url(data_dir: &Path) -> String {
    if wabagate_store::test_database::server_url().is_none() {
        return format!("sqlite://{}", data_dir.join("wabagate.db").display());
    }
    static DATABASES: tokio::sync::Mutex<Vec<(PathBuf, TestDatabase)>> = tokio::sync::Mutex::const_new(Vec::new());
    let mut databases = DATABASES.lock().await;
    if let Some((_, database)) = databases.iter().find(|(dir, _)| dir == data_dir) {
        return database.url().to_owned();
    }
    let database = TestDatabase::create(&data_dir.join("wabagate.db")).await;
    let url = database.url().to_owned();
    databases.push((data_dir.to_owned(), database));
    url
}

/// Meta's `X-Hub-Signature-256` of `body`, signed with the demo app's secret.
pub fn meta_signature(body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(wabagate_sandbox::seed::DEMO_APP_SECRET.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// A webhook endpoint `POST /hook` on 127.0.0.1:0 that answers each delivery with
/// `answer(seen, headers, body)`; its URL. It lives as long as the test's runtime.
pub async fn webhook_endpoint<S: Send + 'static>(
    seen: std::sync::Arc<std::sync::Mutex<S>>,
    answer: fn(&mut S, &axum::http::HeaderMap, &[u8]) -> axum::http::StatusCode,
) -> String {
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
            let seen = seen.clone();
            async move { answer(&mut seen.lock().unwrap(), &headers, &body) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}
