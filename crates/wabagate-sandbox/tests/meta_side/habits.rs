//! Meta's worst habits on demand: duplicates, reordered statuses, batched POSTs, and
//! redelivering a past POST byte for byte.

use serde_json::{Value, json};
use wabagate_sandbox::events::SandboxEvent;
use wabagate_sandbox::seed::{DEMO_APP_SECRET, DEMO_PHONE_NUMBERS, DEMO_WABA_ID};

use super::support::{Received, Receiver, Sandbox, WAIT};

const PHONE_NUMBER_ID: &str = DEMO_PHONE_NUMBERS[0].0;

fn accepted(wamid: &str) -> SandboxEvent {
    SandboxEvent::MessageAccepted {
        waba_id: DEMO_WABA_ID.into(),
        phone_number_id: PHONE_NUMBER_ID.into(),
        display_phone_number: DEMO_PHONE_NUMBERS[0].1.into(),
        wamid: wamid.into(),
        recipient_wa_id: "1234567890".into(),
        failure: None,
        message_type: "text".into(),
        biz_opaque_callback_data: None,
        to_group: false,
    }
}

fn approved() -> SandboxEvent {
    SandboxEvent::TemplateStatusChanged {
        waba_id: DEMO_WABA_ID.into(),
        template_id: "1187654321098765".into(),
        name: "order_shipped".into(),
        language: "en_US".into(),
        status: "APPROVED".into(),
        reason: None,
    }
}

/// `(wamid, status)` of every status in a POST, in order.
fn statuses_of(received: &Received) -> Vec<(String, String)> {
    let body = received.json();
    let mut statuses = Vec::new();
    for entry in body["entry"].as_array().unwrap() {
        for change in entry["changes"].as_array().unwrap() {
            for status in change["value"]["statuses"].as_array().into_iter().flatten() {
                statuses
                    .push((status["id"].as_str().unwrap().to_owned(), status["status"].as_str().unwrap().to_owned()));
            }
        }
    }
    statuses
}

async fn set_mode(sandbox: &Sandbox, mode: Value) -> (u16, Value) {
    let response = sandbox.http.post(sandbox.url("/__sandbox/webhooks/mode")).json(&mode).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn mode(sandbox: &Sandbox) -> Value {
    sandbox.http.get(sandbox.url("/__sandbox/webhooks/mode")).send().await.unwrap().json().await.unwrap()
}

/// Polls the mode until `held` statuses are held (the status timers run in milliseconds).
async fn wait_until_held(sandbox: &Sandbox, held: u64) {
    tokio::time::timeout(WAIT, async {
        while mode(sandbox).await["held"] != held {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the statuses are held within the wait");
}

async fn release(sandbox: &Sandbox) -> Value {
    sandbox.http.post(sandbox.url("/__sandbox/webhooks/release")).send().await.unwrap().json().await.unwrap()
}

async fn deliveries(sandbox: &Sandbox) -> Vec<Value> {
    let body: Value =
        sandbox.http.get(sandbox.url("/__sandbox/webhooks/deliveries")).send().await.unwrap().json().await.unwrap();
    body["data"].as_array().unwrap().clone()
}

#[tokio::test]
async fn the_default_mode_is_a_well_behaved_meta_and_a_bad_mode_is_refused() {
    let sandbox = Sandbox::spawn().await;
    assert_eq!(mode(&sandbox).await, json!({"duplicate": 0, "reorder": null, "batch": 0, "held": 0, "batching": 0}));
    let (status, body) = set_mode(&sandbox, json!({"reorder": "sideways"})).await;
    assert_eq!(status, 400);
    assert!(body["error"]["message"].as_str().unwrap().starts_with("The mode is {\"duplicate\": n"), "{body}");
    let (status, _) = set_mode(&sandbox, json!({"duplicates": 1})).await;
    assert_eq!(status, 400, "unknown fields are refused, not ignored");
    let (status, body) = set_mode(&sandbox, json!({"reorder": true})).await;
    assert_eq!((status, &body["reorder"]), (200, &json!("reverse")), "true means reverse");
    let (_, body) = set_mode(&sandbox, json!({"reorder": false})).await;
    assert_eq!(body["reorder"], Value::Null);
}

#[tokio::test]
async fn duplicate_sends_the_next_notifications_twice_byte_for_byte() {
    let sandbox = Sandbox::spawn().await;
    let mut receiver = Receiver::spawn("token").await;
    sandbox.configure_webhook(&receiver).await;
    let (status, shown) = set_mode(&sandbox, json!({"duplicate": 1})).await;
    assert_eq!((status, &shown["duplicate"]), (200, &json!(1)));

    sandbox.state.events().publish(approved());
    let [first, second] = <[Received; 2]>::try_from(receiver.next_accepted(2).await).unwrap();
    assert_eq!(first.body, second.body);
    assert_eq!(first.headers["x-hub-signature-256"], second.headers["x-hub-signature-256"]);
    second.assert_signed_with(DEMO_APP_SECRET);
    assert_eq!(mode(&sandbox).await["duplicate"], 0, "used up");

    let log = deliveries(&sandbox).await;
    assert_eq!(log.len(), 2);
    assert_eq!(log[1]["redelivery_of"], log[0]["delivery_id"]);
    assert!(log[0].get("redelivery_of").is_none());

    sandbox.state.events().publish(approved());
    receiver.next_accepted(1).await;
    receiver.assert_nothing_within(std::time::Duration::from_millis(100)).await;
}

#[tokio::test]
async fn reorder_holds_statuses_until_released_newest_first() {
    let sandbox = Sandbox::spawn().await;
    let mut receiver = Receiver::spawn("token").await;
    sandbox.configure_webhook(&receiver).await;
    set_mode(&sandbox, json!({"reorder": "reverse"})).await;

    sandbox.state.events().publish(accepted("wamid.R1"));
    wait_until_held(&sandbox, 3).await;
    receiver.assert_nothing_within(std::time::Duration::from_millis(50)).await;
    // Other fields are not held.
    sandbox.state.events().publish(approved());
    assert_eq!(receiver.next().await.json()["entry"][0]["changes"][0]["field"], "message_template_status_update");

    assert_eq!(release(&sandbox).await, json!({"released": 3}));
    let mut order = Vec::new();
    for received in receiver.next_accepted(3).await {
        order.extend(statuses_of(&received).into_iter().map(|(_, status)| status));
    }
    assert_eq!(order, ["read", "delivered", "sent"]);
}

#[tokio::test]
async fn batch_combines_pending_items_into_one_post_as_meta_does() {
    let sandbox = Sandbox::spawn().await;
    let mut receiver = Receiver::spawn("token").await;
    sandbox.configure_webhook(&receiver).await;
    set_mode(&sandbox, json!({"batch": 3})).await;

    sandbox.state.events().publish(accepted("wamid.B1"));
    let received = receiver.next().await;
    received.assert_signed_with(DEMO_APP_SECRET);
    let body = received.json();
    assert_eq!(body["entry"].as_array().unwrap().len(), 1, "one entry per WABA");
    assert_eq!(body["entry"][0]["changes"].as_array().unwrap().len(), 1, "one change per number");
    let statuses: Vec<String> = statuses_of(&received).into_iter().map(|(_, status)| status).collect();
    assert_eq!(statuses, ["sent", "delivered", "read"]);
    assert_eq!(body["entry"][0]["changes"][0]["value"]["contacts"].as_array().unwrap().len(), 1, "one contact");

    // Fewer items than a batch wait; a release lets them go.
    sandbox.state.events().publish(approved());
    receiver.assert_nothing_within(std::time::Duration::from_millis(50)).await;
    assert_eq!(mode(&sandbox).await["batching"], 1);
    assert_eq!(release(&sandbox).await, json!({"released": 1}));
    assert_eq!(receiver.next().await.json()["entry"][0]["changes"][0]["field"], "message_template_status_update");
}

#[tokio::test]
async fn reorder_and_batch_together_make_one_post_with_the_statuses_reversed() {
    let sandbox = Sandbox::spawn().await;
    let mut receiver = Receiver::spawn("token").await;
    sandbox.configure_webhook(&receiver).await;
    set_mode(&sandbox, json!({"reorder": "reverse", "batch": 6})).await;

    sandbox.state.events().publish(accepted("wamid.X1"));
    sandbox.state.events().publish(accepted("wamid.X2"));
    wait_until_held(&sandbox, 6).await;
    release(&sandbox).await;
    let received = receiver.next().await;
    let statuses = statuses_of(&received);
    assert_eq!(statuses.len(), 6, "{statuses:?}");
    for wamid in ["wamid.X1", "wamid.X2"] {
        let of_message: Vec<&str> =
            statuses.iter().filter(|(id, _)| id == wamid).map(|(_, status)| status.as_str()).collect();
        assert_eq!(of_message, ["read", "delivered", "sent"], "{wamid}");
    }
}

#[tokio::test]
async fn turning_reorder_off_lets_the_held_statuses_go() {
    let sandbox = Sandbox::spawn().await;
    let mut receiver = Receiver::spawn("token").await;
    sandbox.configure_webhook(&receiver).await;
    set_mode(&sandbox, json!({"reorder": "shuffle"})).await;
    sandbox.state.events().publish(accepted("wamid.S1"));
    wait_until_held(&sandbox, 3).await;
    set_mode(&sandbox, json!({})).await;
    assert_eq!(receiver.next_accepted(3).await.len(), 3);
    assert_eq!(mode(&sandbox).await["held"], 0);
}

#[tokio::test]
async fn a_past_delivery_is_redelivered_byte_for_byte_by_id() {
    let sandbox = Sandbox::spawn().await;
    let mut receiver = Receiver::spawn("token").await;
    sandbox.configure_webhook(&receiver).await;
    sandbox.state.events().publish(approved());
    let original = receiver.next().await;
    let delivery_id = deliveries(&sandbox).await[0]["delivery_id"].as_u64().unwrap();

    let url = sandbox.url(&format!("/__sandbox/webhooks/deliveries/{delivery_id}/redeliver"));
    let response = sandbox.http.post(&url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let again = receiver.next().await;
    assert_eq!(again.body, original.body);
    assert_eq!(again.headers["x-hub-signature-256"], original.headers["x-hub-signature-256"]);
    let log = deliveries(&sandbox).await;
    assert_eq!(log.last().unwrap()["redelivery_of"], delivery_id);

    let unknown = sandbox.http.post(sandbox.url("/__sandbox/webhooks/deliveries/999999/redeliver")).send().await;
    let unknown = unknown.unwrap();
    assert_eq!(unknown.status(), 404);
    let body: Value = unknown.json().await.unwrap();
    assert!(body["error"]["message"].as_str().unwrap().contains("Delivery 999999 is unknown"), "{body}");
}
