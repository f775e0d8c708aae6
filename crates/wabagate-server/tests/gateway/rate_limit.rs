use crate::support::{EchoUpstream, Options, TestApp, assert_gateway_error};

#[tokio::test]
async fn the_eleventh_request_in_a_second_gets_429_with_retry_after() {
    let upstream = EchoUpstream::start().await;
    let app = TestApp::spawn_with(Options { rate_limit: 10, ..Options::new(&upstream.url) }).await;
    let (account, key) = app.account_with_key("acme").await;
    app.active_connection(&account, &[]).await;
    let (other, other_key) = app.account_with_key("other").await;
    app.active_connection(&other, &[]).await;

    for attempt in 1..=10 {
        let status = app.get("/whatsapp-business/v21.0/me", &key).send().await.unwrap().status();
        assert_eq!(status, 200, "request {attempt}");
    }
    let refused_at = std::time::Instant::now();
    let response = app.get("/whatsapp-business/v21.0/me", &key).send().await.unwrap();
    // Its wait is about a second, so the refusal is held the full 100 ms before it is answered.
    assert!(refused_at.elapsed() >= std::time::Duration::from_millis(100), "{:?}", refused_at.elapsed());
    let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=1).contains(&retry_after), "Retry-After {retry_after}");
    let message = assert_gateway_error(response, 429, "rate_limited").await;
    assert!(message.contains("10 requests per second"), "{message}");
    assert_eq!(upstream.requests().len(), 10, "the refused request never reached the upstream");

    // Accounts are limited separately.
    assert_eq!(app.get("/whatsapp-business/v21.0/me", &other_key).send().await.unwrap().status(), 200);

    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("wabagate_rate_limited_total 1"), "{metrics}");
}
