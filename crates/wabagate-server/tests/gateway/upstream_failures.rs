use std::time::Duration;

use crate::support::{EchoUpstream, Options, TestApp, assert_gateway_error};

#[tokio::test]
async fn an_unreachable_upstream_is_a_502() {
    // A port that was just free: nothing listens there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let upstream = url::Url::parse(&format!("http://{closed}")).unwrap();
    let app = TestApp::spawn(&upstream).await;
    let (account, key) = app.account_with_key("acme").await;
    app.active_connection(&account, &[]).await;
    let response = app.get("/whatsapp-business/v21.0/me", &key).send().await.unwrap();
    assert_gateway_error(response, 502, "upstream_unreachable").await;
}

#[tokio::test]
async fn a_slow_upstream_is_a_504() {
    let upstream = EchoUpstream::start().await;
    let app =
        TestApp::spawn_with(Options { upstream_timeout: Duration::from_millis(300), ..Options::new(&upstream.url) })
            .await;
    let (account, key) = app.account_with_key("acme").await;
    app.active_connection(&account, &[]).await;
    let response = app.get("/whatsapp-business/slow/me", &key).send().await.unwrap();
    assert_gateway_error(response, 504, "upstream_timeout").await;
}
