//! Inbound customer messages: injected over the control endpoint and the CLI's client,
//! delivered in Meta's shape (ASCII-escaped, signed), opening the customer's window.

use clap::Parser;
use serde_json::{Value, json};
use wabagate_sandbox::seed::{DEMO_APP_SECRET, DEMO_PHONE_NUMBERS, DEMO_WABA_ID};
use wabagate_sandbox::webhooks::bsuid::business_scoped_user_id;
use wabagate_sandbox::webhooks::{InboundAccepted, InboundArgs, inbound_cli};

use super::support::{Receiver, Sandbox};

const PHONE_NUMBER_ID: &str = DEMO_PHONE_NUMBERS[0].0;

async fn inject(sandbox: &Sandbox, request: Value) -> reqwest::Response {
    sandbox.http.post(sandbox.url("/__sandbox/inbound")).json(&request).send().await.unwrap()
}

fn value_of(body: &Value) -> &Value {
    &body["entry"][0]["changes"][0]["value"]
}

#[tokio::test]
async fn an_inbound_text_is_delivered_in_metas_shape_and_opens_the_window() {
    let sandbox = Sandbox::spawn().await;
    let mut receiver = Receiver::spawn("token").await;
    sandbox.configure_webhook(&receiver).await;
    // The seeded window of this demo customer closes after a day.
    sandbox.state.clock().advance(25 * 60 * 60);
    assert!(!sandbox.state.windows().is_open(PHONE_NUMBER_ID, "447700900123", sandbox.state.clock().unix()));

    let response = inject(
        &sandbox,
        json!({ "from": "447700900123", "message": { "type": "text", "text": { "body": "Olá 👍" } } }),
    )
    .await;
    assert_eq!(response.status(), 200);
    let accepted: InboundAccepted = response.json().await.unwrap();
    assert!(accepted.id.starts_with("wamid."));
    assert_eq!(accepted.phone_number_id, PHONE_NUMBER_ID);
    assert!(sandbox.state.windows().is_open(PHONE_NUMBER_ID, "447700900123", sandbox.state.clock().unix()));

    let delivery = receiver.next().await;
    delivery.assert_signed_with(DEMO_APP_SECRET);
    let raw = std::str::from_utf8(&delivery.body).expect("ASCII");
    assert!(raw.is_ascii(), "Meta escapes non-ASCII: {raw}");
    assert!(raw.contains(r#""text":{"body":"Ol\u00e1 \ud83d\udc4d"}"#), "{raw}");
    let body = delivery.json();
    assert_eq!(
        body,
        json!({
            "object": "whatsapp_business_account",
            "entry": [{
                "id": DEMO_WABA_ID,
                "changes": [{
                    "value": {
                        "messaging_product": "whatsapp",
                        "metadata": { "display_phone_number": "15550100001", "phone_number_id": PHONE_NUMBER_ID },
                        "contacts": [{
                            "profile": { "name": "Jo Tester" },
                            "wa_id": "447700900123",
                            "user_id": business_scoped_user_id(DEMO_WABA_ID, "447700900123"),
                        }],
                        "messages": [{
                            "from": "447700900123",
                            "id": accepted.id,
                            "timestamp": accepted.timestamp,
                            "type": "text",
                            "text": { "body": "Olá 👍" },
                        }],
                    },
                    "field": "messages",
                }],
            }],
        })
    );
}

#[tokio::test]
async fn media_location_interactive_and_system_messages_are_completed_like_whatsapps() {
    let sandbox = Sandbox::spawn().await;
    let mut receiver = Receiver::spawn("token").await;
    sandbox.configure_webhook(&receiver).await;
    let second_number = DEMO_PHONE_NUMBERS[1].0;

    inject(&sandbox, json!({ "from": "1234567890", "phone_number_id": second_number, "profile_name": "Alex", "message": { "type": "image", "image": { "id": "555", "caption": "look" } } })).await;
    let image = receiver.next().await.json();
    assert_eq!(value_of(&image)["metadata"]["phone_number_id"], second_number);
    assert_eq!(value_of(&image)["contacts"][0]["profile"]["name"], "Alex");
    let image = &value_of(&image)["messages"][0]["image"];
    assert_eq!(image["id"], "555");
    assert_eq!(image["caption"], "look");
    assert_eq!(image["mime_type"], "image/jpeg");
    assert!(image["sha256"].as_str().is_some_and(|hash| !hash.is_empty()));

    inject(&sandbox, json!({ "from": "1234567890", "message": { "type": "location", "location": { "latitude": 38.72, "longitude": -9.14, "name": "Lisbon" } } })).await;
    let location = receiver.next().await.json();
    assert_eq!(
        value_of(&location)["messages"][0]["location"],
        json!({ "latitude": 38.72, "longitude": -9.14, "name": "Lisbon" })
    );

    inject(
        &sandbox,
        json!({ "from": "1234567890", "message": {
        "type": "interactive",
        "context": { "id": "wamid.BUSINESS1" },
        "interactive": { "type": "button_reply", "button_reply": { "id": "yes", "title": "Yes" } },
    } }),
    )
    .await;
    let reply = receiver.next().await.json();
    assert_eq!(value_of(&reply)["messages"][0]["context"], json!({ "id": "wamid.BUSINESS1", "from": "15550100001" }));

    inject(&sandbox, json!({ "from": "1234567890", "message": {
        "type": "system",
        "system": { "body": "User Alex changed from 1234567890 to 1234567899", "wa_id": "1234567899", "type": "user_changed_number" },
    } }))
    .await;
    let system = receiver.next().await.json();
    assert!(value_of(&system).get("contacts").is_none(), "system messages carry no contacts");

    inject(&sandbox, json!({ "from": "1234567890", "message": { "type": "unsupported" } })).await;
    let unsupported = receiver.next().await.json();
    assert_eq!(value_of(&unsupported)["messages"][0]["errors"][0]["code"], 131051);
}

#[tokio::test]
async fn malformed_inbound_requests_are_refused() {
    let sandbox = Sandbox::spawn().await;
    let cases = [
        (
            json!({ "from": "12ab", "message": { "type": "text", "text": { "body": "x" } } }),
            400,
            "from must be a wa_id",
        ),
        (json!({ "from": "1234567890", "message": { "type": "hologram" } }), 400, "Unknown message type"),
        (json!({ "from": "1234567890", "message": { "type": "image" } }), 400, "needs a message.image object"),
        (json!({ "from": "1234567890", "message": { "text": { "body": "x" } } }), 400, "message.type is required"),
        (
            json!({ "from": "1234567890", "phone_number_id": "42", "message": { "type": "text", "text": { "body": "x" } } }),
            404,
            "Unknown business phone number id 42",
        ),
    ];
    for (request, status, message) in cases {
        let response = inject(&sandbox, request.clone()).await;
        assert_eq!(response.status(), status, "{request}");
        let body: Value = response.json().await.unwrap();
        assert!(body["error"]["message"].as_str().unwrap().contains(message), "{request}: {body}");
    }
}

#[derive(Debug, Parser)]
struct Cli {
    #[command(flatten)]
    inbound: InboundArgs,
}

#[tokio::test]
async fn the_cli_client_injects_through_a_running_sandbox() {
    let sandbox = Sandbox::spawn().await;
    let mut receiver = Receiver::spawn("token").await;
    sandbox.configure_webhook(&receiver).await;
    let cli = Cli::parse_from(["inbound", "--sandbox-url", &sandbox.base, "--from", "1234567890", "--text", "hi"]);
    let accepted = inbound_cli::send_inbound(&reqwest::Client::new(), &cli.inbound).await.unwrap();
    let body = receiver.next().await.json();
    assert_eq!(value_of(&body)["messages"][0]["id"], accepted.id);
    assert_eq!(value_of(&body)["messages"][0]["text"]["body"], "hi");
    assert_eq!(value_of(&body)["contacts"][0]["profile"]["name"], "Alex Example");

    let cli = Cli::parse_from([
        "inbound",
        "--sandbox-url",
        &sandbox.base,
        "--from",
        "1234567890",
        "--to",
        "42",
        "--text",
        "hi",
    ]);
    let error = inbound_cli::send_inbound(&reqwest::Client::new(), &cli.inbound).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "the sandbox refused the message (404 Not Found): Unknown business phone number id 42"
    );
}
