//! The in-process sandbox keeps its state in the data dir: a connection made through its
//! OAuth dialog, a template and a media id still work after `serve` restarts.

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::sandbox_dialog::connect_through_the_sandbox_dialog;
use crate::support::{Demo, Process, hello_text};

#[tokio::test]
async fn a_sandbox_oauth_connection_a_template_and_a_media_id_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let gateway = Process::serve(dir.path(), &["--demo"]).await;
    let demo = Demo::read(dir.path());
    let api = reqwest::Client::new();
    let graph = |path: String| format!("/whatsapp-business/v21.0/{path}");

    let created: Value = api
        .post(gateway.url("/connections"))
        .bearer_auth(&demo.api_key)
        .json(&json!({"app": "whatsapp-business"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let connection_id = created["connection"]["connection_id"].as_str().unwrap().to_owned();
    let done = connect_through_the_sandbox_dialog(created["connection"]["url"].as_str().unwrap()).await;
    assert_eq!(done.status(), 200, "{}", done.text().await.unwrap());

    let template = json!({"name": "restart_check", "language": "en_US", "category": "UTILITY",
        "components": [{"type": "BODY", "text": "Your order has shipped."}]});
    let made = api.post(gateway.url(&graph(format!("{}/message_templates", demo.waba_id))));
    let made = made.bearer_auth(&demo.api_key).json(&template).send().await.unwrap();
    assert_eq!(made.status(), 200, "{}", made.text().await.unwrap());
    let image: Vec<u8> = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".iter().copied().chain(std::iter::repeat_n(7, 2048)).collect();
    let form = Form::new()
        .text("messaging_product", "whatsapp")
        .part("file", Part::bytes(image.clone()).file_name("a.png").mime_str("image/png").unwrap());
    let uploaded = api.post(gateway.url(&graph(format!("{}/media", demo.phone_number_id))));
    let uploaded: Value =
        uploaded.bearer_auth(&demo.api_key).multipart(form).send().await.unwrap().json().await.unwrap();
    let media_id = uploaded["id"].as_str().unwrap_or_else(|| panic!("{uploaded}")).to_owned();

    assert!(gateway.stop().await.success());
    let gateway = Process::serve(dir.path(), &[]).await;

    let sent = api
        .post(gateway.url(&graph(format!("{}/messages", demo.phone_number_id))))
        .bearer_auth(&demo.api_key)
        .header("Maton-Connection", &connection_id)
        .json(&hello_text())
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200, "the OAuth token is still Meta's: {}", sent.text().await.unwrap());
    let connection = api.get(gateway.url(&format!("/connections/{connection_id}"))).bearer_auth(&demo.api_key);
    let connection: Value = connection.send().await.unwrap().json().await.unwrap();
    assert_eq!(connection["connection"]["status"], "ACTIVE", "{connection}");

    let templates = api.get(gateway.url(&graph(format!("{}/message_templates?name=restart_check", demo.waba_id))));
    let templates: Value = templates.bearer_auth(&demo.api_key).send().await.unwrap().json().await.unwrap();
    assert_eq!(templates["data"][0]["name"], "restart_check", "{templates}");
    let content = api.get(gateway.url(&format!("/whatsapp-business/media/{media_id}/content")));
    let content = content.bearer_auth(&demo.api_key).send().await.unwrap();
    assert_eq!(content.status(), 200);
    assert_eq!(content.bytes().await.unwrap().as_ref(), image.as_slice());
    assert!(gateway.stop().await.success());
}
