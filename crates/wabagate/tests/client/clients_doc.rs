//! Every snippet of `docs/clients.md` runs against `serve --demo` and sends its message:
//! ```sh with `sh`, ```js with Node.js, ```python with the pywa venv that `.ci/run`
//! installs (`target/pywa/venv`), and the n8n node export (```json) as the request its
//! parameters describe. Outside CI a missing `node` or pywa skips that snippet with a note.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::Value;

use crate::support::DemoGateway;

/// The fenced blocks of a Markdown text, as (language, code).
fn fenced_blocks(text: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut open: Option<(String, String)> = None;
    for line in text.lines() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(language)) => open = Some((language.trim().to_owned(), String::new())),
            (Some(_), Some(_)) => blocks.extend(open.take()),
            (Some((_, code)), None) => {
                code.push_str(line);
                code.push('\n');
            }
            (None, None) => {}
        }
    }
    blocks
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).unwrap().to_owned()
}

/// `program` if it runs (`--version`), else `None`, which only a machine outside CI may be.
fn runnable(program: &Path, what: &str) -> Option<PathBuf> {
    let runs = std::process::Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !runs {
        assert!(std::env::var("CI").is_err(), "CI must have {what} (see .ci/run)");
        eprintln!("skipping the {what} snippet of docs/clients.md: {} does not run", program.display());
    }
    runs.then(|| program.to_owned())
}

/// `{{ $env.NAME }}` in an n8n expression, as n8n evaluates it with this environment.
fn n8n_expression(text: &str, env: &[(&str, &str)]) -> String {
    let mut evaluated = text.strip_prefix('=').unwrap_or(text).to_owned();
    for (name, value) in env {
        evaluated = evaluated.replace(&format!("{{{{ $env.{name} }}}}"), value);
    }
    assert!(!evaluated.contains("{{"), "an expression this test does not know: {text}");
    evaluated
}

/// Sends the request an n8n HTTP Request node describes, with a Header Auth credential
/// carrying the API key.
async fn send_as_n8n(export: &str, env: &[(&str, &str)], api_key: &str) -> reqwest::Response {
    let export: Value = serde_json::from_str(export).unwrap();
    let node = &export["nodes"][0];
    assert_eq!(node["type"], "n8n-nodes-base.httpRequest");
    assert_eq!(node["parameters"]["genericAuthType"], "httpHeaderAuth");
    let parameters = &node["parameters"];
    let method = reqwest::Method::from_bytes(parameters["method"].as_str().unwrap().as_bytes()).unwrap();
    let url = n8n_expression(parameters["url"].as_str().unwrap(), env);
    let body: Value = serde_json::from_str(parameters["jsonBody"].as_str().unwrap()).unwrap();
    reqwest::Client::new()
        .request(method, url)
        .header("Authorization", format!("Bearer {api_key}"))
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn every_snippet_of_the_clients_page_sends_its_message() {
    let text = std::fs::read_to_string(workspace_root().join("docs/clients.md")).unwrap();
    let blocks = fenced_blocks(&text);
    let languages: Vec<&str> = blocks.iter().map(|(language, _)| language.as_str()).collect();
    assert_eq!(languages, ["sh", "js", "python", "json"], "the page's snippets");

    let gateway = DemoGateway::start().await;
    let env = [
        ("WABAGATE_URL", gateway.base_url.as_str()),
        ("WABAGATE_API_KEY", gateway.api_key.as_str()),
        ("PHONE_NUMBER_ID", gateway.phone_number_id.as_str()),
    ];
    let mut expected_bodies = Vec::new();
    for (language, code) in &blocks {
        let (program, script_name, greeting) = match language.as_str() {
            "sh" => (Some(PathBuf::from("sh")), "snippet.sh", "Hello from curl"),
            "js" => (runnable(Path::new("node"), "Node.js"), "snippet.mjs", "Hello from fetch"),
            "python" => {
                let python = workspace_root().join("target/pywa/venv/bin/python");
                (runnable(&python, "pywa venv"), "snippet.py", "Hello from pywa")
            }
            "json" => {
                let answer = send_as_n8n(code, &env, &gateway.api_key).await;
                assert_eq!(answer.status(), 200, "the n8n node's request: {}", answer.text().await.unwrap());
                expected_bodies.push("Hello from n8n");
                continue;
            }
            other => panic!("a snippet in {other}, which this test cannot run"),
        };
        let Some(program) = program else { continue };
        let script = gateway.path(script_name);
        std::fs::write(&script, code).unwrap();
        let output =
            tokio::process::Command::new(&program).arg(&script).envs(env).stdin(Stdio::null()).output().await.unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "the {language} snippet failed:\n{stdout}\n{stderr}");
        if language != "sh" {
            assert!(stdout.trim().starts_with("wamid."), "the {language} snippet prints the wamid: {stdout}");
        }
        expected_bodies.push(greeting);
    }

    let sent: Vec<String> = gateway
        .sandbox_messages()
        .await
        .iter()
        .filter_map(|message| Some(message.pointer("/message/text/body")?.as_str()?.to_owned()))
        .collect();
    for body in expected_bodies {
        assert!(sent.iter().any(|sent| sent == body), "{body:?} reached the sandbox: {sent:?}");
    }
}
