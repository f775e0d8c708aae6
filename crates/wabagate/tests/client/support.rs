//! A demo gateway per test (`wabagate serve --demo` on port 0 in a temp dir) and a runner for
//! client commands pointed at it. The in-process sandbox's address is read from the
//! gateway's banner (`(upstream http://…)`), so tests can ask it what "Meta" received.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The shared command builder: no inherited settings, and quieter logs for client runs.
fn wabagate() -> Command {
    let mut command = crate::process::wabagate();
    command.env("WABAGATE_LOG", "warn");
    command
}

/// What one client command did.
#[derive(Debug)]
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    /// Asserts success and returns stdout.
    pub fn ok(&self) -> &str {
        assert_eq!(self.code, 0, "expected success\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        &self.stdout
    }

    /// Asserts the exit code and returns stderr.
    pub fn failed_with(&self, code: i32) -> &str {
        assert_eq!(self.code, code, "expected exit {code}\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        &self.stderr
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(self.ok()).unwrap_or_else(|error| panic!("stdout is not JSON ({error}):\n{}", self.stdout))
    }
}

/// A running `serve --demo` with its temp dir.
pub struct DemoGateway {
    child: Child,
    pub dir: tempfile::TempDir,
    pub base_url: String,
    pub sandbox_url: String,
    pub api_key: String,
    pub connection_id: String,
    pub phone_number_id: String,
    pub waba_id: String,
    http: reqwest::Client,
}

impl DemoGateway {
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// `serve --demo` with these flags added.
    pub async fn start_with(args: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (child, base_url, sandbox_url) = spawn_demo(dir.path(), "127.0.0.1:0", args).await;
        let demo: Value = serde_json::from_slice(&std::fs::read(dir.path().join("demo.json")).unwrap()).unwrap();
        let field = |name: &str| demo[name].as_str().unwrap().to_owned();
        Self {
            child,
            base_url,
            sandbox_url,
            api_key: field("api_key"),
            connection_id: field("connection_id"),
            phone_number_id: field("phone_number_id"),
            waba_id: field("waba_id"),
            dir,
            http: reqwest::Client::new(),
        }
    }

    /// Kills the gateway (SIGKILL, as a crash) and starts it again on the same address and
    /// data dir, with these flags; the demo key and connection stay the same.
    pub async fn restart(&mut self, args: &[&str]) {
        self.child.start_kill().unwrap();
        self.child.wait().await.unwrap();
        let address = self.base_url.trim_start_matches("http://").to_owned();
        let (child, base_url, sandbox_url) = spawn_demo(self.dir.path(), &address, args).await;
        assert_eq!(base_url, self.base_url, "the gateway came back on its address");
        (self.child, self.sandbox_url) = (child, sandbox_url);
    }

    /// Runs `wabagate ARGS…` with WABAGATE_URL and WABAGATE_API_KEY pointing here.
    pub async fn run(&self, args: &[&str]) -> Outcome {
        self.run_with_env(args, &[("WABAGATE_URL", &self.base_url), ("WABAGATE_API_KEY", &self.api_key)]).await
    }

    /// Runs `wabagate ARGS…` with exactly these settings in the environment.
    pub async fn run_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Outcome {
        run_with_env(args, env).await
    }

    /// Runs `wabagate ARGS…` pointed here, with `input` on its standard input.
    pub async fn run_with_stdin(&self, args: &[&str], input: &[u8]) -> Outcome {
        let env = [("WABAGATE_URL", self.base_url.as_str()), ("WABAGATE_API_KEY", self.api_key.as_str())];
        run_with_input(args, &env, Some(input)).await
    }

    /// Runs `wabagate ARGS…` pointed here with its standard output already closed, as
    /// `| head -1` leaves it once it has read its line: (exit code, stderr).
    pub async fn run_into_closed_pipe(&self, args: &[&str]) -> (i32, String) {
        let mut command = wabagate();
        command.args(args).env("WABAGATE_URL", &self.base_url).env("WABAGATE_API_KEY", &self.api_key);
        let mut child = command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        // Closed before the command gets to write: every write it makes fails with EPIPE.
        drop(child.stdout.take());
        let output = tokio::time::timeout(Duration::from_secs(120), child.wait_with_output())
            .await
            .expect("a client command ends within two minutes")
            .unwrap();
        (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stderr).into_owned())
    }

    /// The sends the sandbox accepted, oldest first.
    pub async fn sandbox_messages(&self) -> Vec<Value> {
        self.sandbox_list("messages").await
    }

    /// The newest accepted send's body, as the sandbox received it.
    pub async fn last_message(&self) -> Value {
        self.sandbox_messages().await.pop().expect("the sandbox accepted a message")["message"].clone()
    }

    /// The Graph requests the sandbox recorded, oldest first.
    pub async fn sandbox_requests(&self) -> Vec<Value> {
        self.sandbox_list("requests").await
    }

    /// The `data` of a sandbox control listing (`/__sandbox/{what}`).
    async fn sandbox_list(&self, what: &str) -> Vec<Value> {
        let url = format!("{}/__sandbox/{what}", self.sandbox_url);
        let body: Value = self.http.get(url).send().await.unwrap().json().await.unwrap();
        body["data"].as_array().unwrap().clone()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

/// Starts `serve --demo` on `listen` in `dir`: (child, gateway URL, sandbox URL).
async fn spawn_demo(dir: &Path, listen: &str, args: &[&str]) -> (Child, String, String) {
    let log = std::fs::OpenOptions::new().create(true).append(true).open(dir.join("serve.log")).unwrap();
    let mut command = wabagate();
    command.args(["serve", "--demo", "--listen", listen, "--rate-limit", "0", "--data-dir"]).arg(dir).args(args);
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::from(log)).stdin(Stdio::null()).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let marker = "wabagate listening on ";
    let line = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            match lines.next_line().await.unwrap() {
                Some(line) if line.contains(marker) => break line,
                Some(_) => {}
                None => panic!(
                    "serve --demo exited; log:\n{}",
                    std::fs::read_to_string(dir.join("serve.log")).unwrap_or_default()
                ),
            }
        }
    })
    .await
    .expect("serve --demo listens within a minute");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let base_url = line[line.find(marker).unwrap() + marker.len()..].split_whitespace().next().unwrap().to_owned();
    let upstream = line.split("(upstream ").nth(1).expect("the banner names the upstream");
    let sandbox_url = upstream.trim_end_matches(')').trim_end_matches('/').to_owned();
    (child, base_url, sandbox_url)
}

/// Runs `wabagate ARGS…` to completion with only `env` as wabagate settings.
pub async fn run_with_env(args: &[&str], env: &[(&str, &str)]) -> Outcome {
    run_with_input(args, env, None).await
}

/// Runs `wabagate ARGS…` with `env`, writing `input` (if any) to its standard input.
pub async fn run_with_input(args: &[&str], env: &[(&str, &str)], input: Option<&[u8]>) -> Outcome {
    use tokio::io::AsyncWriteExt;
    let mut command = wabagate();
    command.args(args).envs(env.iter().copied());
    command.stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() });
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    if let (Some(input), Some(mut stdin)) = (input, child.stdin.take()) {
        let input = input.to_vec();
        tokio::spawn(async move {
            let _ = stdin.write_all(&input).await;
        });
    }
    let output = tokio::time::timeout(Duration::from_secs(120), child.wait_with_output())
        .await
        .expect("a client command ends within two minutes")
        .unwrap();
    Outcome {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// Writes `len` bytes starting with `magic`, the rest a fixed pseudo-random pattern.
pub fn write_file(path: &Path, magic: &[u8], len: usize) {
    let mut bytes = magic.to_vec();
    let mut state = 0x2545_f491_u32;
    while bytes.len() < len {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        bytes.push((state >> 24) as u8);
    }
    bytes.truncate(len);
    std::fs::write(path, bytes).unwrap();
}

pub const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
pub const PDF_MAGIC: &[u8] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n";
