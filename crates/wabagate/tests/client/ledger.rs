//! The ledger commands (`messages`, `conversations`, `templates sync`) and `send --wait`
//! against a real `serve --demo`, whose in-process sandbox delivers its webhooks to the
//! gateway: what the CLI shows of sends, statuses and what customers wrote.

use serde_json::{Value, json};

use crate::support::DemoGateway;

/// Makes the customer `from` write `text` to the demo number through the sandbox.
async fn customer_writes(gateway: &DemoGateway, from: &str, text: &str) -> String {
    let url = format!("{}/__sandbox/inbound", gateway.sandbox_url);
    let body = json!({"from": from, "profile_name": "Ana", "message": {"type": "text", "text": {"body": text}}});
    let answer: Value = reqwest::Client::new().post(url).json(&body).send().await.unwrap().json().await.unwrap();
    answer["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn wait_is_refused_on_a_read_receipt_and_unknown_filters_are_usage_errors() {
    let gateway = DemoGateway::start().await;
    let stderr =
        gateway.run(&["send", "read", "--message-id", "wamid.X", "--wait", "read"]).await.failed_with(2).to_owned();
    assert!(stderr.contains("a read receipt has no status to wait for"), "{stderr}");
    let stderr = gateway.run(&["send", "text", "--to", "1", "--body", "x", "--wait", "seen"]).await;
    assert!(stderr.failed_with(2).contains("invalid value 'seen'"));
    let stderr = gateway.run(&["messages", "list", "--status", "bogus"]).await;
    assert!(stderr.failed_with(2).contains("use one of accepted, sent, delivered, read, failed, received"));
    assert!(gateway.sandbox_messages().await.is_empty(), "nothing was sent");
}

#[tokio::test]
async fn send_wait_read_ends_when_the_message_is_read() {
    let gateway = DemoGateway::start().await;
    let stdout = gateway.run(&["send", "text", "--to", "1234567890", "--body", "hi", "--wait", "read"]).await;
    let stdout = stdout.ok();
    let wamid = gateway.sandbox_messages().await[0]["wamid"].as_str().unwrap().to_owned();
    assert!(stdout.contains(&format!("Message {wamid} is read at ")), "{stdout}");

    let shown = gateway.run(&["messages", "get", &wamid, "--json"]).await.json();
    let history: Vec<&str> = shown["message"]["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|change| change["status"].as_str().unwrap())
        .collect();
    assert_eq!(history, ["sent", "delivered", "read"]);
}

#[tokio::test]
async fn send_wait_to_a_number_not_on_whatsapp_prints_metas_error_and_exits_1() {
    let gateway = DemoGateway::start().await;
    let outcome = gateway.run(&["send", "text", "--to", "9991234567", "--body", "hi", "--wait", "delivered"]).await;
    let stderr = outcome.failed_with(1);
    assert!(stderr.contains("failed: (#131026)"), "{stderr}");
    assert!(stderr.contains("hint: The recipient cannot receive this message"), "{stderr}");
    assert!(outcome.stdout.starts_with("Sent text message to 9991234567: wamid."), "the send itself was accepted");
}

#[tokio::test]
async fn send_wait_times_out_with_a_clear_message() {
    let gateway = DemoGateway::start().await;
    // A timeout of 0 s gives up after the first poll, long before the sandbox reads it.
    let outcome =
        gateway.run(&["send", "text", "--to", "1234567890", "--body", "hi", "--wait", "read", "--timeout", "0"]).await;
    let stderr = outcome.failed_with(1);
    assert!(stderr.contains("is not read after waiting 0s"), "{stderr}");
}

#[tokio::test]
async fn an_inbound_message_shows_in_messages_and_conversations() {
    let gateway = DemoGateway::start().await;
    let wamid = customer_writes(&gateway, "1234567890", "hello there").await;
    // Inbound webhooks are delivered at once; poll the listing rather than sleep.
    let mut listed = String::new();
    for _ in 0..50 {
        listed = gateway.run(&["messages", "list", "--direction", "inbound"]).await.ok().to_owned();
        if listed.contains(&wamid) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(listed.starts_with("CREATED"), "{listed}");
    assert!(listed.contains(&wamid) && listed.contains("received"), "{listed}");

    let conversations = gateway.run(&["conversations", "list"]).await;
    let conversations = conversations.ok();
    assert!(conversations.contains("1234567890") && conversations.contains("open until"), "{conversations}");
    let thread = gateway.run(&["conversations", "show", "1234567890"]).await;
    let thread = thread.ok();
    assert!(thread.contains("profile_name:") && thread.contains("Ana"), "{thread}");
    assert!(thread.contains("<-") && thread.contains("hello there"), "{thread}");

    let shown = gateway.run(&["messages", "get", &wamid, "--json"]).await.json();
    assert_eq!(shown["message"]["direction"], "inbound");
    assert_eq!(shown["message"]["profile_name"], "Ana");
}

#[tokio::test]
async fn templates_sync_fills_the_mirror() {
    let gateway = DemoGateway::start().await;
    let stdout = gateway.run(&["templates", "sync"]).await;
    let stdout = stdout.ok();
    assert!(stdout.starts_with("Synced ") && stdout.contains(&gateway.waba_id), "{stdout}");
    let synced = gateway.run(&["templates", "sync", "--json"]).await.json();
    assert!(synced["synced"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn the_media_of_an_inbound_image_downloads_to_a_file() {
    let gateway = DemoGateway::start().await;
    let url = format!("{}/__sandbox/inbound", gateway.sandbox_url);
    let body = json!({"from": "1234567890", "message": {"type": "image", "image": {"caption": "look"}}});
    let answer: Value = reqwest::Client::new().post(url).json(&body).send().await.unwrap().json().await.unwrap();
    let wamid = answer["id"].as_str().unwrap();
    let output = gateway.path("photo.jpg");
    let mut outcome = gateway.run(&["messages", "media", wamid, "--output", output.to_str().unwrap()]).await;
    for _ in 0..50 {
        if outcome.code == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        outcome = gateway.run(&["messages", "media", wamid, "--output", output.to_str().unwrap()]).await;
    }
    assert!(outcome.ok().starts_with(&format!("Downloaded the media of {wamid} to ")));
    assert!(std::fs::metadata(&output).unwrap().len() > 0);
}
