use serde_json::Value;

use crate::support::{EchoUpstream, TestApp, assert_gateway_error};

fn assert_hosted_shape(connection: &Value) {
    let mut sorted: Vec<&str> = connection.as_object().unwrap().keys().map(String::as_str).collect();
    sorted.sort();
    // The hosted product's fields, then what an app may attach (redirect_url, tags, end_user_id).
    assert_eq!(
        sorted,
        [
            "app",
            "connection_id",
            "creation_time",
            "end_user_id",
            "last_updated_time",
            "metadata",
            "redirect_url",
            "status",
            "tags",
            "url"
        ]
    );
    for time in ["creation_time", "last_updated_time"] {
        let text = connection[time].as_str().unwrap();
        // 2025-12-08T07:20:53.488460Z: RFC 3339, microseconds, Z.
        assert_eq!(text.len(), 27, "{text}");
        assert!(text.ends_with('Z') && text.as_bytes()[19] == b'.', "{text}");
    }
    uuid::Uuid::parse_str(connection["connection_id"].as_str().unwrap()).unwrap();
}

#[tokio::test]
async fn a_created_connection_is_pending_with_a_url_and_can_be_listed_fetched_and_deleted() {
    let upstream = EchoUpstream::start().await;
    let app = TestApp::spawn(&upstream.url).await;
    let (_, key) = app.account_with_key("acme").await;

    let connection = &app.create_connection(&key).await;
    assert_hosted_shape(connection);
    assert_eq!(connection["status"], "PENDING");
    assert_eq!(connection["app"], "whatsapp-business");
    assert_eq!(connection["metadata"], serde_json::json!({}));
    let id = connection["connection_id"].as_str().unwrap();
    assert!(connection["url"].as_str().unwrap().starts_with(&format!("{}/connect?", app.base_url)));

    let listed: Value =
        app.get("/connections?app=whatsapp-business&status=PENDING", &key).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed["connections"].as_array().unwrap().len(), 1);
    assert_hosted_shape(&listed["connections"][0]);
    let active: Value = app.get("/connections?status=ACTIVE", &key).send().await.unwrap().json().await.unwrap();
    assert_eq!(active, serde_json::json!({"connections": []}));

    let fetched: Value = app.get(&format!("/connections/{id}"), &key).send().await.unwrap().json().await.unwrap();
    assert_eq!(fetched["connection"], *connection);

    let deleted = app.delete(&format!("/connections/{id}"), &key).send().await.unwrap();
    assert_eq!(deleted.status(), 200);
    let response = app.get(&format!("/connections/{id}"), &key).send().await.unwrap();
    assert_gateway_error(response, 404, "connection_not_found").await;
    let response = app.delete(&format!("/connections/{id}"), &key).send().await.unwrap();
    assert_gateway_error(response, 404, "connection_not_found").await;
}

#[tokio::test]
async fn bad_control_requests_get_400_with_a_clear_code() {
    let upstream = EchoUpstream::start().await;
    let app = TestApp::spawn(&upstream.url).await;
    let (_, key) = app.account_with_key("acme").await;

    let response = app.post("/connections", &key).json(&serde_json::json!({"app": "slack"})).send().await.unwrap();
    let message = assert_gateway_error(response, 400, "unknown_app").await;
    assert!(message.contains("whatsapp-business"), "{message}");
    let response = app.post("/connections", &key).body("{not json").send().await.unwrap();
    assert_gateway_error(response, 400, "invalid_json").await;
    let response = app.post("/connections", &key).json(&serde_json::json!({})).send().await.unwrap();
    assert_gateway_error(response, 400, "missing_app").await;
    let response = app.get("/connections?app=slack", &key).send().await.unwrap();
    assert_gateway_error(response, 400, "unknown_app").await;
    let response = app.get("/connections?status=SLEEPING", &key).send().await.unwrap();
    assert_gateway_error(response, 400, "invalid_status").await;
    let response = app.get("/connections/not-a-uuid", &key).send().await.unwrap();
    assert_gateway_error(response, 400, "invalid_connection_id").await;
}

#[tokio::test]
async fn another_accounts_connection_is_invisible_and_unusable() {
    let upstream = EchoUpstream::start().await;
    let app = TestApp::spawn(&upstream.url).await;
    let (alice, alice_key) = app.account_with_key("alice").await;
    let (_, bob_key) = app.account_with_key("bob").await;
    let alices = app.active_connection(&alice, &["111"]).await;

    let listed: Value = app.get("/connections", &bob_key).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed, serde_json::json!({"connections": []}));
    let response = app.get(&format!("/connections/{alices}"), &bob_key).send().await.unwrap();
    assert_gateway_error(response, 404, "connection_not_found").await;
    let response = app.delete(&format!("/connections/{alices}"), &bob_key).send().await.unwrap();
    assert_gateway_error(response, 404, "connection_not_found").await;

    let response = app
        .post("/whatsapp-business/v21.0/111/messages", &bob_key)
        .header("Maton-Connection", alices.to_string())
        .send()
        .await
        .unwrap();
    assert_gateway_error(response, 404, "connection_not_found").await;
    // Without a header, Alice's phone number in the path does not route Bob to her connection.
    let response = app.post("/whatsapp-business/v21.0/111/messages", &bob_key).send().await.unwrap();
    assert_gateway_error(response, 400, "missing_connection").await;
    assert!(upstream.requests().is_empty(), "nothing of Bob's reached the upstream");

    let still_there: Value =
        app.get(&format!("/connections/{alices}"), &alice_key).send().await.unwrap().json().await.unwrap();
    assert_eq!(still_there["connection"]["status"], "ACTIVE");
}
