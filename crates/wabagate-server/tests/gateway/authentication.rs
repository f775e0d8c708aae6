use crate::support::{EchoUpstream, TestApp, assert_gateway_error};

#[tokio::test]
async fn a_request_without_a_key_is_refused_with_401() {
    let upstream = EchoUpstream::start().await;
    let app = TestApp::spawn(&upstream.url).await;
    let response = app.client.get(app.url("/whatsapp-business/v21.0/me")).send().await.unwrap();
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    assert_gateway_error(response, 401, "missing_api_key").await;
    let response = app.client.get(app.url("/connections")).send().await.unwrap();
    assert_gateway_error(response, 401, "missing_api_key").await;
    assert!(upstream.requests().is_empty());
}

#[tokio::test]
async fn malformed_mistyped_and_unknown_keys_are_refused_with_401() {
    let upstream = EchoUpstream::start().await;
    let app = TestApp::spawn(&upstream.url).await;
    let (_, key) = app.account_with_key("acme").await;
    let mut mistyped = key.clone().into_bytes();
    mistyped[8] = if mistyped[8] == b'a' { b'b' } else { b'a' };
    let mistyped = String::from_utf8(mistyped).unwrap();
    let unknown = wabagate_store::ApiKey::generate();

    for (key, expected) in [
        ("not-a-key", "not a wabagate API key"),
        (mistyped.as_str(), "checksum"),
        (unknown.expose(), "unknown or has been revoked"),
    ] {
        let response = app.get("/whatsapp-business/v21.0/me", key).send().await.unwrap();
        let message = assert_gateway_error(response, 401, "invalid_api_key").await;
        assert!(message.contains(expected), "{message}");
    }
    let response =
        app.client.get(app.url("/connections")).header("authorization", "Basic Zm9vOmJhcg==").send().await.unwrap();
    assert_gateway_error(response, 401, "invalid_api_key").await;
    assert!(upstream.requests().is_empty());
}

#[tokio::test]
async fn a_revoked_key_stops_working_within_a_second() {
    let upstream = EchoUpstream::start().await;
    let app = TestApp::spawn(&upstream.url).await;
    let account = app.store.create_account("acme").await.unwrap();
    let (info, key) = app.store.create_api_key(account.account_id).await.unwrap();
    app.active_connection(&account, &[]).await;
    let key = key.expose().to_owned();
    assert_eq!(app.get("/connections", &key).send().await.unwrap().status(), 200);

    // Revoked through the store directly, as `wabagate admin keys revoke` does from another
    // process; this gateway's cache still holds the key. Any request sent a second later is refused.
    app.store.revoke_api_key(info.key_id).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert_eq!(app.get("/whatsapp-business/v21.0/me", &key).send().await.unwrap().status(), 401);
    assert_eq!(app.get("/connections", &key).send().await.unwrap().status(), 401);
}

#[tokio::test]
async fn a_key_revoked_through_one_instance_is_refused_by_another_within_a_second() {
    let upstream = EchoUpstream::start().await;
    let first = TestApp::spawn(&upstream.url).await;
    let mut options = first.beside(&upstream.url);
    if first.database.is_postgres() {
        // PostgreSQL tells the change as it commits: with the poll all but off, only the
        // notification can make the second instance forget the key in time.
        options.cache_check_interval = Some(std::time::Duration::from_secs(3600));
    }
    let second = TestApp::spawn_with(options).await;
    let (account, key) = first.account_with_key("acme").await;
    let connection = first.active_connection(&account, &[]).await;
    // Both instances serve the key, and the second has it cached.
    for _ in 0..3 {
        assert_eq!(second.get("/whatsapp-business/v21.0/me", &key).send().await.unwrap().status(), 200);
        assert_eq!(first.get("/whatsapp-business/v21.0/me", &key).send().await.unwrap().status(), 200);
    }
    let connection_path = format!("/connections/{connection}");
    assert_eq!(second.get(&connection_path, &key).send().await.unwrap().status(), 200);

    // A connection deleted through the first is gone at the second.
    assert_eq!(first.delete(&connection_path, &key).send().await.unwrap().status(), 200);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
    loop {
        let routed = second
            .get("/whatsapp-business/v21.0/me", &key)
            .header("maton-connection", connection.to_string())
            .send()
            .await
            .unwrap();
        if routed.status() == 404 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the second instance still routes to a deleted connection");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    let info = first.store.list_api_keys(Some(account.account_id)).await.unwrap().remove(0);
    first.store.revoke_api_key(info.key_id).await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
    while second.get("/connections", &key).send().await.unwrap().status() != 401 {
        assert!(std::time::Instant::now() < deadline, "the second instance still accepts a revoked key");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
