use serde_json::Value;

use crate::support::{Demo, Process, hello_text};

#[tokio::test]
async fn serve_demo_sends_the_hosted_products_example_to_the_sandbox() {
    let dir = tempfile::tempdir().unwrap();
    let gateway = Process::serve(dir.path(), &["--demo"]).await;
    let demo = Demo::read(dir.path());
    assert_eq!(demo.base_url, gateway.base_url);
    for export in
        [format!("export WABAGATE_URL={}", gateway.base_url), format!("export WABAGATE_API_KEY={}", demo.api_key)]
    {
        assert!(gateway.banner.contains(&export), "the banner says `{export}`:\n{}", gateway.banner);
    }
    assert!(gateway.banner.contains("export MATON_API_KEY=$WABAGATE_API_KEY"), "{}", gateway.banner);
    assert!(gateway.banner.contains(&format!("/whatsapp-business/v21.0/{}/messages", demo.phone_number_id)));

    let response = reqwest::Client::new()
        .post(gateway.url(&format!("/whatsapp-business/v21.0/{}/messages", demo.phone_number_id)))
        .bearer_auth(&demo.api_key)
        .json(&hello_text())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let sent: Value = response.json().await.unwrap();
    assert_eq!(sent["messaging_product"], "whatsapp");
    assert_eq!(sent["contacts"][0]["input"], "1234567890");
    assert_eq!(sent["contacts"][0]["wa_id"], "1234567890");
    assert!(sent["messages"][0]["id"].as_str().unwrap().starts_with("wamid."), "{sent}");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("demo.json")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "demo.json holds a key: owner only");
    }
    assert!(!gateway.log().contains(&demo.api_key), "the API key never reaches the log");
}

#[tokio::test]
async fn serve_demo_is_idempotent_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let first = Process::serve(dir.path(), &["--demo"]).await;
    let before = Demo::read(dir.path());
    assert!(first.stop().await.success());

    let second = Process::serve(dir.path(), &["--demo"]).await;
    let after = Demo::read(dir.path());
    assert_eq!(after.connection_id, before.connection_id);
    assert_eq!(after.api_key, before.api_key, "a key that still works is kept");

    let listed: Value = reqwest::Client::new()
        .get(second.url("/connections"))
        .bearer_auth(&after.api_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let connections = listed["connections"].as_array().unwrap();
    assert_eq!(connections.len(), 1, "{listed}");
    assert_eq!(connections[0]["status"], "ACTIVE");
    assert_eq!(connections[0]["connection_id"], after.connection_id);
}
