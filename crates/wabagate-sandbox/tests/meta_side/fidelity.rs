//! Webhooks as Meta sends them today: business-scoped user ids beside phone numbers,
//! `biz_opaque_callback_data` echoed on statuses, reactions only `sent`, button and list
//! replies always with `context`, and every inbound type the sandbox can inject.

use std::time::Duration;

use serde_json::{Value, json};
use wabagate_sandbox::events::{AsyncError, SandboxEvent};
use wabagate_sandbox::seed::{DEMO_PHONE_NUMBERS, DEMO_WABA_ID};
use wabagate_sandbox::webhooks::bsuid::business_scoped_user_id;

use super::support::{Receiver, Sandbox};

const PHONE_NUMBER_ID: &str = DEMO_PHONE_NUMBERS[0].0;

fn accepted(message_type: &str, callback_data: Option<&str>, failure: Option<AsyncError>) -> SandboxEvent {
    SandboxEvent::MessageAccepted {
        waba_id: DEMO_WABA_ID.into(),
        phone_number_id: PHONE_NUMBER_ID.into(),
        display_phone_number: DEMO_PHONE_NUMBERS[0].1.into(),
        wamid: "wamid.F1".into(),
        recipient_wa_id: "1234567890".into(),
        failure,
        message_type: message_type.into(),
        biz_opaque_callback_data: callback_data.map(str::to_owned),
        to_group: false,
    }
}

fn value_of(body: &Value) -> &Value {
    &body["entry"][0]["changes"][0]["value"]
}

async fn inject(sandbox: &Sandbox, message: Value) -> Value {
    let request = json!({ "from": "1234567890", "profile_name": "Ana", "message": message });
    let response = sandbox.http.post(sandbox.url("/__sandbox/inbound")).json(&request).send().await.unwrap();
    assert_eq!(response.status(), 200, "{message}");
    response.json().await.unwrap()
}

#[tokio::test]
async fn statuses_carry_the_recipients_bsuid_and_echo_the_callback_data() {
    let sandbox = Sandbox::spawn().await;
    let mut receiver = Receiver::spawn("token").await;
    sandbox.configure_webhook(&receiver).await;
    sandbox.state.events().publish(accepted("text", Some("order-42"), None));

    let bsuid = business_scoped_user_id(DEMO_WABA_ID, "1234567890");
    for received in receiver.next_accepted(3).await {
        let body = received.json();
        let value = value_of(&body);
        assert_eq!(value["contacts"], json!([{ "wa_id": "1234567890", "user_id": bsuid }]));
        let status = &value["statuses"][0];
        assert_eq!(status["recipient_id"], "1234567890");
        assert_eq!(status["recipient_user_id"], bsuid.as_str());
        assert_eq!(status["biz_opaque_callback_data"], "order-42");
    }
}

#[tokio::test]
async fn a_failed_status_has_no_contacts_and_no_recipient_user_id_but_keeps_the_callback_data() {
    let sandbox = Sandbox::spawn().await;
    let mut receiver = Receiver::spawn("token").await;
    sandbox.configure_webhook(&receiver).await;
    let failure = AsyncError {
        code: 131026,
        title: "Message Undeliverable".into(),
        message: "Message Undeliverable".into(),
        details: "Message Undeliverable.".into(),
    };
    sandbox.state.events().publish(accepted("text", Some("x"), Some(failure)));
    let body = receiver.next().await.json();
    let value = value_of(&body);
    assert!(value.get("contacts").is_none(), "{value}");
    assert!(value["statuses"][0].get("recipient_user_id").is_none());
    assert_eq!(value["statuses"][0]["biz_opaque_callback_data"], "x");
    assert_eq!(value["statuses"][0]["status"], "failed");
}

#[tokio::test]
async fn a_reaction_is_only_ever_sent() {
    let sandbox = Sandbox::spawn().await;
    let mut receiver = Receiver::spawn("token").await;
    sandbox.configure_webhook(&receiver).await;
    sandbox.state.events().publish(accepted("reaction", None, None));
    let body = receiver.next().await.json();
    assert_eq!(value_of(&body)["statuses"][0]["status"], "sent");
    // The fast settings would deliver `delivered` 20 ms later.
    receiver.assert_nothing_within(Duration::from_millis(200)).await;
}

#[tokio::test]
async fn inbound_contacts_carry_the_senders_bsuid() {
    let sandbox = Sandbox::spawn().await;
    let mut receiver = Receiver::spawn("token").await;
    sandbox.configure_webhook(&receiver).await;
    inject(&sandbox, json!({ "type": "text", "text": { "body": "hi" } })).await;
    let body = receiver.next().await.json();
    assert_eq!(
        value_of(&body)["contacts"],
        json!([{ "profile": { "name": "Ana" }, "wa_id": "1234567890",
                 "user_id": business_scoped_user_id(DEMO_WABA_ID, "1234567890") }])
    );
}

#[tokio::test]
async fn button_and_list_replies_always_carry_context() {
    let sandbox = Sandbox::spawn().await;
    let mut receiver = Receiver::spawn("token").await;
    sandbox.configure_webhook(&receiver).await;
    let replies = [
        json!({ "type": "interactive", "interactive": { "type": "button_reply", "button_reply": { "id": "yes", "title": "Yes" } } }),
        json!({ "type": "interactive", "interactive": { "type": "list_reply", "list_reply": { "id": "r1", "title": "Row" } } }),
        json!({ "type": "button", "button": { "payload": "STOP", "text": "Stop" } }),
    ];
    for reply in replies {
        inject(&sandbox, reply.clone()).await;
        let body = receiver.next().await.json();
        let context = &value_of(&body)["messages"][0]["context"];
        assert!(context["id"].as_str().is_some_and(|id| id.starts_with("wamid.")), "{reply}: {context}");
        assert_eq!(context["from"], "15550100001", "{reply}");
    }
    // A given context is kept as given.
    inject(
        &sandbox,
        json!({ "type": "button", "button": { "payload": "P", "text": "T" }, "context": { "id": "wamid.GIVEN" } }),
    )
    .await;
    let body = receiver.next().await.json();
    assert_eq!(value_of(&body)["messages"][0]["context"]["id"], "wamid.GIVEN");
    // A plain text has none.
    inject(&sandbox, json!({ "type": "text", "text": { "body": "hi" } })).await;
    let body = receiver.next().await.json();
    assert!(value_of(&body)["messages"][0].get("context").is_none());
}

#[tokio::test]
async fn every_inbound_type_can_be_injected_and_is_delivered() {
    let sandbox = Sandbox::spawn().await;
    let mut receiver = Receiver::spawn("token").await;
    sandbox.configure_webhook(&receiver).await;
    let messages = [
        json!({ "type": "text", "text": { "body": "hi" } }),
        json!({ "type": "image", "image": { "caption": "look" } }),
        json!({ "type": "video", "video": {} }),
        json!({ "type": "audio", "audio": { "voice": true } }),
        json!({ "type": "document", "document": { "filename": "a.pdf" } }),
        json!({ "type": "sticker", "sticker": { "animated": false } }),
        json!({ "type": "location", "location": { "latitude": 1.5, "longitude": -2.5, "name": "Here" } }),
        json!({ "type": "contacts", "contacts": [{ "name": { "formatted_name": "Jo", "first_name": "Jo" },
                                                   "phones": [{ "phone": "+1 555 0100", "type": "CELL" }] }] }),
        json!({ "type": "interactive", "interactive": { "type": "button_reply", "button_reply": { "id": "a", "title": "A" } } }),
        json!({ "type": "interactive", "interactive": { "type": "list_reply", "list_reply": { "id": "b", "title": "B" } } }),
        json!({ "type": "interactive", "interactive": { "type": "nfm_reply", "nfm_reply": { "name": "flow", "response_json": "{}" } } }),
        json!({ "type": "button", "button": { "payload": "p", "text": "t" } }),
        json!({ "type": "reaction", "reaction": { "message_id": "wamid.B", "emoji": "👍" } }),
        json!({ "type": "order", "order": { "catalog_id": "1", "product_items": [
            { "product_retailer_id": "sku", "quantity": 1, "item_price": 9.99, "currency": "USD" }] } }),
        json!({ "type": "system", "system": { "body": "changed number", "type": "user_changed_number", "wa_id": "1234567891" } }),
        json!({ "type": "unsupported" }),
        json!({ "type": "request_welcome" }),
    ];
    for message in messages {
        let accepted = inject(&sandbox, message.clone()).await;
        let body = receiver.next().await.json();
        let delivered = &value_of(&body)["messages"][0];
        assert_eq!(delivered["id"], accepted["id"], "{message}");
        assert_eq!(delivered["type"], message["type"], "{message}");
        let kind = message["type"].as_str().unwrap();
        if let Some(content) = message.get(kind) {
            assert!(delivered.get(kind).is_some_and(|kept| kept.is_object() || kept.is_array()), "{message}");
            assert!(!content.is_null());
        }
        if ["image", "video", "audio", "document", "sticker"].contains(&kind) {
            assert!(delivered[kind]["id"].is_string() && delivered[kind]["mime_type"].is_string(), "{delivered}");
        }
        if kind == "unsupported" {
            assert_eq!(delivered["errors"][0]["code"], 131051);
        }
        if kind == "system" {
            assert!(value_of(&body).get("contacts").is_none(), "system messages carry no contacts");
        }
    }
}

#[derive(Debug, clap::Parser)]
struct Cli {
    #[command(flatten)]
    inbound: wabagate_sandbox::webhooks::InboundArgs,
}

#[tokio::test]
async fn every_content_flag_of_sandbox_inbound_injects_a_message() {
    use clap::Parser;

    let sandbox = Sandbox::spawn().await;
    let mut receiver = Receiver::spawn("token").await;
    sandbox.configure_webhook(&receiver).await;
    let cases: [(&[&str], &str); 17] = [
        (&["--text", "hi"], "text"),
        (&["--image-id", "1"], "image"),
        (&["--video-id", "1"], "video"),
        (&["--audio-id", "1", "--voice"], "audio"),
        (&["--document-id", "1", "--filename", "a.pdf"], "document"),
        (&["--sticker-id", "1"], "sticker"),
        (&["--location", "-33.8,151.2"], "location"),
        (&["--contact", "Jo:+15550100"], "contacts"),
        (&["--reaction-to", "wamid.X"], "reaction"),
        (&["--button-reply", "yes", "--title", "Yes"], "interactive"),
        (&["--list-reply", "r1", "--title", "Row"], "interactive"),
        (&["--button-payload", "STOP", "--title", "Stop"], "button"),
        (&["--order", "cat", "--item", "sku:1:2.5:USD"], "order"),
        (&["--number-changed", "1234567891"], "system"),
        (&["--unsupported"], "unsupported"),
        (&["--request-welcome"], "request_welcome"),
        (
            &[
                "--json",
                r#"{"type":"interactive","interactive":{"type":"nfm_reply","nfm_reply":{"response_json":"{}"}}}"#,
            ],
            "interactive",
        ),
    ];
    for (flags, kind) in cases {
        let mut args = vec!["inbound", "--sandbox-url", &sandbox.base, "--from", "1234567890"];
        args.extend_from_slice(flags);
        let cli = Cli::parse_from(args);
        let accepted = wabagate_sandbox::webhooks::inbound_cli::send_inbound(&reqwest::Client::new(), &cli.inbound)
            .await
            .unwrap_or_else(|error| panic!("{flags:?}: {error}"));
        let body = receiver.next().await.json();
        assert_eq!(value_of(&body)["messages"][0]["id"], accepted.id, "{flags:?}");
        assert_eq!(value_of(&body)["messages"][0]["type"], kind, "{flags:?}");
    }
}
