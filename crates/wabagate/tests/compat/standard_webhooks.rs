//! The gateway's signed deliveries as a Python receiver sees them: the PyPI
//! `standardwebhooks` package (in pywa's venv, `.ci/run` installs both) verifies a test
//! event and a sent message's statuses with the subscription's secret, and after a
//! rotation both the old and the new secret verify the same delivery.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout};

use crate::support::{self, Demo, Process};

/// The venv's python, if `standardwebhooks` is importable from it.
fn python_with_standardwebhooks() -> Option<std::path::PathBuf> {
    let python = crate::workspace_root().join("target/pywa/venv/bin/python");
    let importable = std::process::Command::new(&python)
        .args(["-c", "import standardwebhooks"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    importable.then_some(python)
}

/// The Python receiver: its URL and its report lines.
struct PythonReceiver {
    _child: Child,
    url: String,
    lines: Lines<BufReader<ChildStdout>>,
}

impl PythonReceiver {
    async fn start(python: &Path, secrets: &Path) -> Self {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compat/standardwebhooks_receiver.py");
        let mut child = tokio::process::Command::new(python)
            .arg(script)
            .arg(secrets)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let port = Self::read(&mut lines).await;
        Self { _child: child, url: format!("http://127.0.0.1:{port}/hook"), lines }
    }

    async fn read(lines: &mut Lines<BufReader<ChildStdout>>) -> String {
        tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("the receiver reports within 30 s")
            .unwrap()
            .expect("the receiver is running")
    }

    /// The next delivery of type `kind` (others are skipped).
    async fn next_of(&mut self, kind: &str) -> Value {
        loop {
            let line: Value = serde_json::from_str(&Self::read(&mut self.lines).await).unwrap();
            if line["type"] == kind {
                return line;
            }
        }
    }
}

#[tokio::test]
async fn a_python_receiver_verifies_deliveries_with_standardwebhooks_through_a_rotation() {
    let Some(python) = python_with_standardwebhooks() else {
        assert!(std::env::var("CI").is_err(), "CI must install standardwebhooks into target/pywa/venv (see .ci/run)");
        eprintln!("skipped: no standardwebhooks in target/pywa/venv (see .ci/run)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let gateway =
        Process::serve(dir.path(), &["--demo", "--rate-limit", "0", "--webhook-allow-http", "--webhook-allow-private"])
            .await;
    let demo = Demo::read(dir.path());
    let secrets = dir.path().join("secrets.txt");
    std::fs::write(&secrets, "").unwrap();
    let mut receiver = PythonReceiver::start(&python, &secrets).await;

    let http = reqwest::Client::new();
    let call = |method: reqwest::Method, path: &str, body: Option<Value>| {
        let request = http.request(method, gateway.url(path)).bearer_auth(&demo.api_key);
        let request = match body {
            Some(body) => request.json(&body),
            None => request,
        };
        async move {
            let answer = request.send().await.unwrap();
            assert!(answer.status().is_success(), "{}", answer.text().await.unwrap());
            answer.json::<Value>().await.unwrap()
        }
    };
    let created = call(
        reqwest::Method::POST,
        "/webhooks",
        Some(json!({"url": receiver.url, "events": ["message.*", "webhook.test"]})),
    )
    .await;
    let id = created["webhook"]["id"].as_str().unwrap().to_owned();
    let old_secret = created["webhook"]["secret"].as_str().unwrap().to_owned();
    std::fs::write(&secrets, format!("{old_secret}\n")).unwrap();

    call(reqwest::Method::POST, &format!("/webhooks/{id}/test"), None).await;
    assert_eq!(receiver.next_of("webhook.test").await["verified_by"], json!([0]));

    let path = format!("/whatsapp-business/v21.0/{}/messages", demo.phone_number_id);
    call(reqwest::Method::POST, &path, Some(support::hello_text())).await;
    assert_eq!(receiver.next_of("message.sent").await["verified_by"], json!([0]));

    let rotated = call(reqwest::Method::POST, &format!("/webhooks/{id}/rotate-secret"), None).await;
    let new_secret = rotated["webhook"]["secret"].as_str().unwrap().to_owned();
    std::fs::write(&secrets, format!("{old_secret}\n{new_secret}\n")).unwrap();
    call(reqwest::Method::POST, &format!("/webhooks/{id}/test"), None).await;
    assert_eq!(receiver.next_of("webhook.test").await["verified_by"], json!([0, 1]), "both secrets verify");
}
