use crate::support::{EchoUpstream, TestApp};

#[tokio::test]
async fn every_response_carries_a_request_id_taken_from_the_client_when_sane() {
    let upstream = EchoUpstream::start().await;
    let app = TestApp::spawn(&upstream.url).await;
    let (account, key) = app.account_with_key("acme").await;
    app.active_connection(&account, &[]).await;

    let generated = app.client.get(app.url("/healthz")).send().await.unwrap();
    uuid::Uuid::parse_str(generated.headers()["x-request-id"].to_str().unwrap()).unwrap();

    let kept = app.get("/whatsapp-business/v21.0/me", &key).header("X-Request-Id", "trace-42").send().await.unwrap();
    assert_eq!(kept.headers()["x-request-id"], "trace-42");
    assert_eq!(upstream.requests()[0].header("x-request-id"), Some("trace-42"), "the upstream sees the same id");

    let replaced = app.client.get(app.url("/nowhere")).header("X-Request-Id", "a b\tc").send().await.unwrap();
    assert_ne!(replaced.headers()["x-request-id"], "a b\tc");
    assert_eq!(replaced.status(), 404);
}

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    let upstream = EchoUpstream::start().await;
    let app = TestApp::spawn(&upstream.url).await;
    let (account, key) = app.account_with_key("acme").await;
    app.active_connection(&account, &[]).await;
    app.get("/whatsapp-business/v21.0/me", &key).send().await.unwrap();

    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!((health.status().as_u16(), health.text().await.unwrap()), (200, "ok\n".to_owned()));
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!((ready.status().as_u16(), ready.text().await.unwrap()), (200, "ready\n".to_owned()));

    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(
        metrics.contains(
            r#"wabagate_http_requests_total{route="/whatsapp-business/{*graph_path}",method="GET",status="200"} 1"#
        ),
        "{metrics}"
    );
    assert!(metrics.contains("wabagate_upstream_latency_seconds_count 1"), "{metrics}");
    assert!(!metrics.contains("/v21.0/me"), "raw paths are never labels");
}

#[tokio::test]
async fn readiness_fails_when_the_store_is_gone() {
    let upstream = EchoUpstream::start().await;
    let app = TestApp::spawn(&upstream.url).await;
    app.store.close().await;
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    assert_eq!(app.client.get(app.url("/healthz")).send().await.unwrap().status(), 200);
}
