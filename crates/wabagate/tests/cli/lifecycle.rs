use std::time::Duration;

use futures_util::StreamExt;

use crate::support::{Demo, Process};

#[tokio::test]
async fn sigterm_lets_a_request_in_flight_finish_then_exits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let gateway = Process::serve(dir.path(), &["--demo"]).await;
    let demo = Demo::read(dir.path());

    // The body arrives in pieces over about a second; SIGTERM lands in the middle.
    let pieces = [
        r#"{"messaging_product":"whatsapp","#,
        r#""to":"1234567890","type":"text","#,
        r#""text":{"body":"sent while stopping"}}"#,
    ];
    let body = futures_util::stream::iter(pieces).then(|piece| async move {
        tokio::time::sleep(Duration::from_millis(400)).await;
        Ok::<_, std::io::Error>(piece)
    });
    let request = reqwest::Client::new()
        .post(gateway.url(&format!("/whatsapp-business/v21.0/{}/messages", demo.phone_number_id)))
        .bearer_auth(&demo.api_key)
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(body))
        .send();
    let in_flight = tokio::spawn(request);
    tokio::time::sleep(Duration::from_millis(600)).await;
    gateway.terminate();

    let response = in_flight.await.unwrap().unwrap();
    assert_eq!(response.status(), 200, "the request in flight was served");
    let status = gateway.stop().await;
    assert!(status.success(), "exit status {status:?}");
}

#[tokio::test]
async fn health_and_readiness_answer_on_the_real_binary() {
    let dir = tempfile::tempdir().unwrap();
    let gateway = Process::serve(dir.path(), &[]).await;
    let client = reqwest::Client::new();
    assert_eq!(client.get(gateway.url("/healthz")).send().await.unwrap().status(), 200);
    assert_eq!(client.get(gateway.url("/readyz")).send().await.unwrap().status(), 200);
    let metrics = client.get(gateway.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("wabagate_http_requests_total"), "{metrics}");
}

/// The announcement line means "ready": a SIGTERM sent the moment it appears must shut down
/// gracefully (exit 0), never kill the process with the default signal action.
#[tokio::test]
async fn a_sigterm_the_moment_the_process_announces_itself_is_a_clean_shutdown() {
    for attempt in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let gateway = Process::serve(dir.path(), &[]).await;
        let status = gateway.stop().await;
        assert!(status.success(), "serve, attempt {attempt}: {status:?}");
        let sandbox = Process::sandbox(dir.path(), &[]).await;
        let status = sandbox.stop().await;
        assert!(status.success(), "sandbox, attempt {attempt}: {status:?}");
    }
}
