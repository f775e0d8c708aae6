//! `--log-format json`: every line `serve` logs is one JSON object with the same fields as
//! the text format; `--access-log-level` sets the access log apart.

use crate::support::{Demo, Process};

async fn one_request(gateway: &Process, demo: &Demo) {
    let answer = reqwest::Client::new()
        .get(gateway.url(&format!("/whatsapp-business/v21.0/{}", demo.phone_number_id)))
        .bearer_auth(&demo.api_key)
        .header("X-Request-Id", "logs-test-1")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
}

#[tokio::test]
async fn json_logs_are_one_object_per_line_with_the_access_fields() {
    let dir = tempfile::tempdir().unwrap();
    let gateway = Process::serve(dir.path(), &["--demo", "--log-format", "json"]).await;
    let demo = Demo::read(dir.path());
    one_request(&gateway, &demo).await;
    let log_file = gateway.log_file.clone();
    assert!(gateway.stop().await.success());

    let log = std::fs::read_to_string(log_file).unwrap();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|error| panic!("not JSON ({error}): {line}")))
        .collect();
    assert!(lines.iter().all(|line| line["timestamp"].is_string() && line["level"].is_string()), "{log}");
    let access = lines.iter().find(|line| line["target"] == "wabagate::access").expect("an access log line");
    assert_eq!(access["request_id"], "logs-test-1", "{access}");
    assert_eq!(access["status"], 200, "{access}");
    assert!(lines.iter().any(|line| line["message"] == "serving"), "{log}");
    assert!(!log.contains(&demo.api_key), "no key in the logs");
}

#[tokio::test]
async fn the_access_log_can_be_silenced_on_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let gateway = Process::serve(dir.path(), &["--demo", "--log-format", "json", "--access-log-level", "off"]).await;
    let demo = Demo::read(dir.path());
    one_request(&gateway, &demo).await;
    let log_file = gateway.log_file.clone();
    assert!(gateway.stop().await.success());
    let log = std::fs::read_to_string(log_file).unwrap();
    assert!(log.contains("\"serving\""), "other lines stay: {log}");
    assert!(!log.contains("wabagate::access"), "{log}");
}
