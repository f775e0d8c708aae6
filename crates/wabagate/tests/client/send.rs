//! `wabagate send …`: every message type reaches the sandbox in Meta's shape, the sending
//! number defaults from the demo connection, and broken rules stop before the network.

use serde_json::json;

use crate::support::{DemoGateway, PDF_MAGIC, PNG_MAGIC, write_file};

#[tokio::test]
async fn send_text_just_works_after_serve_demo() {
    let gateway = DemoGateway::start().await;
    let outcome = gateway.run(&["send", "text", "--to", "1234567890", "--body", "hi"]).await;
    let stdout = outcome.ok();
    assert!(stdout.starts_with("Sent text message to 1234567890: wamid."), "{stdout}");
    let messages = gateway.sandbox_messages().await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["phone_number_id"], gateway.phone_number_id.as_str(), "defaulted from the connection");
    assert_eq!(
        messages[0]["message"],
        json!({"messaging_product": "whatsapp", "to": "1234567890", "type": "text", "text": {"body": "hi"}})
    );
    assert_eq!(stdout.trim_end().rsplit(' ').next(), messages[0]["wamid"].as_str());
}

#[tokio::test]
async fn every_message_type_arrives_in_metas_shape() {
    let gateway = DemoGateway::start().await;
    let to = ["--to", "1234567890"];
    let cases: Vec<(Vec<&str>, serde_json::Value)> = vec![
        (
            vec!["text", "--body", "See https://example.com", "--preview-url", "--reply-to", "wamid.PREVIOUS"],
            json!({"type": "text", "context": {"message_id": "wamid.PREVIOUS"},
                "text": {"body": "See https://example.com", "preview_url": true}}),
        ),
        (
            vec!["template", "--name", "hello_world", "--language", "en_US"],
            json!({"type": "template", "template": {"name": "hello_world", "language": {"code": "en_US"}}}),
        ),
        (
            vec!["image", "--link", "https://example.com/image.jpg", "--caption", "Look!"],
            json!({"type": "image", "image": {"link": "https://example.com/image.jpg", "caption": "Look!"}}),
        ),
        (
            vec!["document", "--link", "https://example.com/d.pdf", "--caption", "Doc", "--filename", "report.pdf"],
            json!({"type": "document",
                "document": {"link": "https://example.com/d.pdf", "caption": "Doc", "filename": "report.pdf"}}),
        ),
        (
            vec!["video", "--link", "https://example.com/video.mp4", "--caption", "Watch"],
            json!({"type": "video", "video": {"link": "https://example.com/video.mp4", "caption": "Watch"}}),
        ),
        (
            vec!["audio", "--link", "https://example.com/audio.mp3"],
            json!({"type": "audio", "audio": {"link": "https://example.com/audio.mp3"}}),
        ),
        (
            vec!["sticker", "--link", "https://example.com/sticker.webp"],
            json!({"type": "sticker", "sticker": {"link": "https://example.com/sticker.webp"}}),
        ),
        (
            vec!["location", "--latitude", "37.7749", "--longitude", "-122.4194", "--name", "San Francisco"],
            json!({"type": "location", "location": {"latitude": 37.7749, "longitude": -122.4194, "name": "San Francisco"}}),
        ),
        (
            vec!["contacts", "--name", "John Doe", "--first-name", "John", "--phone", "+1234567890:MOBILE"],
            json!({"type": "contacts", "contacts": [{"name": {"formatted_name": "John Doe", "first_name": "John"},
                "phones": [{"phone": "+1234567890", "type": "MOBILE"}]}]}),
        ),
        (
            vec!["buttons", "--body", "Would you like to proceed?", "--button", "yes=Yes", "--button", "no=No"],
            json!({"type": "interactive", "interactive": {"type": "button", "body": {"text": "Would you like to proceed?"},
                "action": {"buttons": [{"type": "reply", "reply": {"id": "yes", "title": "Yes"}},
                    {"type": "reply", "reply": {"id": "no", "title": "No"}}]}}}),
        ),
        (
            vec![
                "list",
                "--body",
                "Choose from the list below",
                "--button-text",
                "View Options",
                "--header",
                "Select an option",
                "--row",
                "Products>prod1|Product 1|First product",
                "--row",
                "Products>prod2|Product 2|Second product",
            ],
            json!({"type": "interactive", "interactive": {"type": "list",
                "header": {"type": "text", "text": "Select an option"}, "body": {"text": "Choose from the list below"},
                "action": {"button": "View Options", "sections": [{"title": "Products", "rows": [
                    {"id": "prod1", "title": "Product 1", "description": "First product"},
                    {"id": "prod2", "title": "Product 2", "description": "Second product"}]}]}}}),
        ),
    ];
    for (args, expected) in cases {
        let kind = args[0];
        let mut command = vec!["send"];
        command.extend(&args[..1]);
        command.extend(to);
        command.extend(&args[1..]);
        let outcome = gateway.run(&command).await;
        let stdout = outcome.ok();
        assert!(stdout.starts_with("Sent "), "{kind}: {stdout}");
        let mut received = gateway.last_message().await;
        for key in ["messaging_product", "to"] {
            assert!(received.as_object_mut().unwrap().remove(key).is_some(), "{kind}: {key} is always set");
        }
        assert_eq!(received, expected, "{kind}");
    }

    let sent = gateway.sandbox_messages().await;
    let target = sent[0]["wamid"].as_str().unwrap();
    gateway.run(&["send", "reaction", "--to", "1234567890", "--message-id", target, "--emoji", "👍"]).await.ok();
    assert_eq!(gateway.last_message().await["reaction"], json!({"message_id": target, "emoji": "👍"}));
}

#[tokio::test]
async fn media_sends_can_upload_a_file_first() {
    let gateway = DemoGateway::start().await;
    let image = gateway.path("cat.png");
    write_file(&image, PNG_MAGIC, 10_000);
    let outcome = gateway.run(&["send", "image", "--to", "1234567890", "--file", image.to_str().unwrap()]).await;
    assert!(outcome.ok().starts_with("Sent image message"), "{}", outcome.stdout);
    let received = gateway.last_message().await;
    let media_id = received["image"]["id"].as_str().expect("sent by the uploaded id");
    let info = gateway.run(&["media", "get", media_id, "--json"]).await.json();
    assert_eq!(info["mime_type"], "image/png");
    assert_eq!(info["file_size"], 10_000);

    let pdf = gateway.path("report.pdf");
    write_file(&pdf, PDF_MAGIC, 2_000);
    let refused = gateway.run(&["send", "image", "--to", "1234567890", "--file", pdf.to_str().unwrap()]).await;
    assert!(refused.failed_with(2).contains("application/pdf"), "{}", refused.stderr);
    gateway.run(&["send", "document", "--to", "1234567890", "--file", pdf.to_str().unwrap()]).await.ok();
    assert_eq!(gateway.last_message().await["document"]["filename"], "report.pdf", "the file's name by default");
}

#[tokio::test]
async fn read_receipts_reach_the_sandbox() {
    let gateway = DemoGateway::start().await;
    let outcome = gateway.run(&["send", "read", "--message-id", "wamid.INBOUND"]).await;
    assert_eq!(outcome.ok(), "Marked wamid.INBOUND as read.\n");
    let requests = gateway.sandbox_requests().await;
    let receipt =
        requests.iter().rev().find(|request| request["method"] == "POST").expect("a POST reached the sandbox");
    let body: serde_json::Value = serde_json::from_str(receipt["body"].as_str().unwrap()).unwrap();
    assert_eq!(body, json!({"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.INBOUND"}));
}

#[tokio::test]
async fn json_prints_the_raw_response_body() {
    let gateway = DemoGateway::start().await;
    let sent = gateway.run(&["send", "text", "--to", "1234567890", "--body", "hi", "--json"]).await.json();
    assert_eq!(sent["messaging_product"], "whatsapp");
    assert_eq!(sent["contacts"][0]["wa_id"], "1234567890");
    assert_eq!(sent["messages"][0]["id"], gateway.sandbox_messages().await[0]["wamid"]);
}

#[tokio::test]
async fn broken_rules_exit_2_naming_the_flag_and_nothing_is_sent() {
    let gateway = DemoGateway::start().await;
    let long_caption = "c".repeat(1025);
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["text", "--to", "+1234567890", "--body", "hi"], "--to must be digits only, without the leading +"),
        (vec!["text", "--to", "01234567890", "--body", "hi"], "--to must be an international number"),
        (
            vec![
                "buttons",
                "--to",
                "1234567890",
                "--body",
                "b",
                "--button",
                "a=A",
                "--button",
                "b=B",
                "--button",
                "c=C",
                "--button",
                "d=D",
            ],
            "--button given 4 times; at most 3 allowed",
        ),
        (
            vec!["buttons", "--to", "1234567890", "--body", "b", "--button", "a=A", "--button", "a=B"],
            "--button (id) \"a\" is given twice; each must be unique",
        ),
        (
            vec!["buttons", "--to", "1234567890", "--body", "b", "--button", "a=A title that is far too long"],
            "--button (title) must be at most 20 characters (it has 28)",
        ),
        (
            vec!["template", "--to", "1234567890", "--name", "Hello World"],
            "--name must be lowercase letters, digits and underscores only",
        ),
        (
            vec!["image", "--to", "1234567890", "--link", "https://example.com/a.jpg", "--caption", &long_caption],
            "--caption must be at most 1024 characters (it has 1025)",
        ),
    ];
    for (args, message) in cases {
        let mut command = vec!["send"];
        command.extend(args);
        let outcome = gateway.run(&command).await;
        let stderr = outcome.failed_with(2);
        assert!(stderr.contains(message), "{command:?}\n{stderr}");
        assert!(stderr.starts_with("error: invalid request, nothing was sent:"), "{stderr}");
        assert_eq!(outcome.stdout, "");
    }
    assert!(gateway.sandbox_messages().await.is_empty(), "nothing reached the sandbox");
}
