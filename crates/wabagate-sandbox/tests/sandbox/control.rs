//! The `/__sandbox/` controls, the request recorder, the state file and the start banner.

use reqwest::StatusCode;
use serde_json::json;
use wabagate_sandbox::SandboxConfig;

use crate::support::Sandbox;

#[tokio::test]
async fn the_recorder_keeps_what_meta_received_including_headers_and_body() {
    let sandbox = Sandbox::start().await;
    let body = json!({"messaging_product": "whatsapp", "to": "1234567890", "text": {"body": "Hi"}});
    sandbox.send(body.clone()).await;
    let requests = sandbox.handle.state().recorder().requests();
    let recorded = requests.last().unwrap();
    assert_eq!(recorded.method, "POST");
    assert_eq!(recorded.path, format!("/v23.0/{}/messages", sandbox.phone));
    let authorization =
        recorded.headers.iter().find(|(name, _)| name == "authorization").map(|(_, value)| value.clone());
    assert_eq!(authorization, Some(format!("Bearer {}", sandbox.token)));
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&recorded.body).unwrap(), body);
    assert_eq!(recorded.body_len, recorded.body.len() as u64);
}

#[tokio::test]
async fn the_recorder_keeps_only_the_start_of_a_large_body() {
    let sandbox = Sandbox::start().await;
    let data = vec![7u8; 200_000];
    let part = reqwest::multipart::Part::bytes(data).file_name("a.pdf").mime_str("application/pdf").unwrap();
    let form = reqwest::multipart::Form::new().text("messaging_product", "whatsapp").part("file", part);
    let request = sandbox.request(reqwest::Method::POST, &format!("/v23.0/{}/media", sandbox.phone)).multipart(form);
    assert_eq!(Sandbox::answer(request).await.0, StatusCode::OK);
    let recorded = sandbox.handle.state().recorder().requests().pop().unwrap();
    assert_eq!(recorded.body.len(), 64 * 1024);
    assert!(recorded.body_len > 200_000);
}

#[tokio::test]
async fn accepted_messages_can_be_filtered_by_recipient() {
    let sandbox = Sandbox::start().await;
    for to in ["1234567890", "15551234567", "1234567890"] {
        sandbox.send(json!({"messaging_product": "whatsapp", "to": to, "text": {"body": "Hi"}})).await;
    }
    let (_, body) = sandbox.get("/__sandbox/messages?wa_id=1234567890").await;
    assert_eq!(body["data"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_window_opened_through_the_control_api_lets_free_form_messages_through() {
    let sandbox = Sandbox::start().await;
    let (status, _) = sandbox
        .client
        .post(format!("{}/__sandbox/windows", sandbox.base))
        .json(&json!({"phone_number_id": sandbox.phone, "wa_id": "15557654321"}))
        .send()
        .await
        .map(|response| (response.status(), ()))
        .unwrap();
    assert_eq!(status, StatusCode::NO_CONTENT);
    sandbox.send(json!({"messaging_product": "whatsapp", "to": "15557654321", "text": {"body": "Hi"}})).await;
    assert_eq!(sandbox.accepted().await[0]["failure"], serde_json::Value::Null);
}

#[tokio::test]
async fn the_state_file_keeps_templates_media_tokens_and_the_clock_across_restarts() {
    let directory = tempfile::tempdir().unwrap();
    let file = directory.path().join("sandbox.json");
    let config = || SandboxConfig { state_file: Some(file.clone()), ..Default::default() };
    let first = Sandbox::start_with(config()).await;
    let (_, created) = first
        .post(
            &format!("/v23.0/{}/message_templates", first.waba),
            json!({"name": "kept_template", "language": "en_US",
            "category": "MARKETING", "components": [{"type": "BODY", "text": "Still here"}]}),
        )
        .await;
    let part =
        reqwest::multipart::Part::bytes(b"kept bytes".to_vec()).file_name("a.txt").mime_str("text/plain").unwrap();
    let form = reqwest::multipart::Form::new().text("messaging_product", "whatsapp").part("file", part);
    let (_, media) =
        Sandbox::answer(first.request(reqwest::Method::POST, &format!("/v23.0/{}/media", first.phone)).multipart(form))
            .await;
    let token = first.token(&["whatsapp_business_messaging"], None, None).await;
    first.advance(1000).await;
    first.handle.shutdown().await;

    let second = Sandbox::start_with(config()).await;
    let (status, template) = second.get(&format!("/v23.0/{}", created["id"].as_str().unwrap())).await;
    assert_eq!((status, template["name"].clone()), (StatusCode::OK, json!("kept_template")));
    let (_, info) = second.get(&format!("/v23.0/{}", media["id"].as_str().unwrap())).await;
    let download = second.client.get(info["url"].as_str().unwrap()).bearer_auth(&token).send().await.unwrap();
    assert_eq!(download.bytes().await.unwrap().as_ref(), b"kept bytes");
    assert!(second.handle.state().clock().offset_seconds() >= 1000);
}

#[tokio::test]
async fn changes_reach_the_state_file_without_a_shutdown_so_a_crash_keeps_them() {
    let directory = tempfile::tempdir().unwrap();
    let file = directory.path().join("sandbox.json");
    let config = || SandboxConfig {
        state_file: Some(file.clone()),
        autosave_interval: std::time::Duration::from_millis(50),
        ..Default::default()
    };
    let first = Sandbox::start_with(config()).await;
    let (_, created) = first
        .post(
            &format!("/v23.0/{}/message_templates", first.waba),
            json!({"name": "saved_while_running", "language": "en_US",
            "category": "UTILITY", "components": [{"type": "BODY", "text": "Autosaved"}]}),
        )
        .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !std::fs::read_to_string(&file).is_ok_and(|text| text.contains("saved_while_running")) {
        assert!(std::time::Instant::now() < deadline, "the change never reached the state file");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // A crash: the handle goes away without `shutdown`, so nothing more is saved.
    drop(first);

    let second = Sandbox::start_with(config()).await;
    let (status, template) = second.get(&format!("/v23.0/{}", created["id"].as_str().unwrap())).await;
    assert_eq!((status, template["name"].clone()), (StatusCode::OK, json!("saved_while_running")));
}

#[tokio::test]
async fn the_banner_prints_address_ids_and_token() {
    let sandbox = Sandbox::start().await;
    let mut out = Vec::new();
    wabagate_sandbox::cli::write_banner(&mut out, &sandbox.handle).unwrap();
    let banner = String::from_utf8(out).unwrap();
    for expected in [sandbox.base.as_str(), &sandbox.waba, "1000000000001000", "1000000000001001", &sandbox.token] {
        assert!(banner.contains(expected), "{expected} missing from:\n{banner}");
    }
}
