//! Webhook delivery: the handshake on configuration, signatures checked with ring, status
//! sequences, failed statuses, template status updates, subscriptions, and retries.

use std::time::Duration;

use serde_json::{Value, json};
use wabagate_sandbox::events::{AsyncError, SandboxEvent};
use wabagate_sandbox::seed::{DEMO_ACCESS_TOKEN, DEMO_APP_SECRET, DEMO_PHONE_NUMBERS, DEMO_WABA_ID};
use wabagate_sandbox::webhooks::retry::RetryPolicy;

use super::support::{Received, Receiver, Sandbox, fast_settings};

const PHONE_NUMBER_ID: &str = DEMO_PHONE_NUMBERS[0].0;

fn accepted(wamid: &str, recipient: &str, failure: Option<AsyncError>) -> SandboxEvent {
    SandboxEvent::MessageAccepted {
        waba_id: DEMO_WABA_ID.into(),
        phone_number_id: PHONE_NUMBER_ID.into(),
        display_phone_number: DEMO_PHONE_NUMBERS[0].1.into(),
        wamid: wamid.into(),
        recipient_wa_id: recipient.into(),
        failure,
        message_type: "text".into(),
        biz_opaque_callback_data: None,
        to_group: false,
    }
}

fn template_event(status: &str, reason: Option<&str>) -> SandboxEvent {
    SandboxEvent::TemplateStatusChanged {
        waba_id: DEMO_WABA_ID.into(),
        template_id: "1187654321098765".into(),
        name: "order_shipped".into(),
        language: "en_US".into(),
        status: status.into(),
        reason: reason.map(str::to_owned),
    }
}

fn first_status(received: &Received) -> Value {
    received.json()["entry"][0]["changes"][0]["value"]["statuses"][0].clone()
}

#[tokio::test]
async fn configuring_a_webhook_runs_the_handshake_and_refuses_a_wrong_verify_token() {
    let sandbox = Sandbox::spawn().await;
    let receiver = Receiver::spawn("right-token").await;
    let response = sandbox
        .http
        .post(sandbox.url("/__sandbox/webhooks"))
        .json(&json!({ "callback_url": receiver.url, "verify_token": "wrong-token" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({ "error": { "message": "Callback verification failed: HTTP Status Code = 403" } }));
    let listed: Value =
        sandbox.http.get(sandbox.url("/__sandbox/webhooks")).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed, json!({ "data": [] }));

    sandbox.configure_webhook(&receiver).await;
    let listed: Value =
        sandbox.http.get(sandbox.url("/__sandbox/webhooks")).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        listed,
        json!({ "data": [{ "app_id": wabagate_sandbox::seed::DEMO_APP_ID, "callback_url": receiver.url, "signing_secret": "app_secret" }] })
    );
    let verify = sandbox.http.post(sandbox.url("/__sandbox/webhooks/verify")).send().await.unwrap();
    assert_eq!(verify.status(), 200);
}

#[tokio::test]
async fn an_accepted_message_goes_sent_delivered_read_signed_with_the_app_secret() {
    let sandbox = Sandbox::spawn().await;
    let mut receiver = Receiver::spawn("token").await;
    sandbox.configure_webhook(&receiver).await;
    sandbox.state.events().publish(accepted("wamid.OUT1", "1234567890", None));

    let mut deliveries = receiver.next_accepted(3).await;
    for delivery in &deliveries {
        delivery.assert_signed_with(DEMO_APP_SECRET);
        assert_eq!(delivery.headers["content-type"], "application/json");
    }
    // Meta does not promise order; sort by status timestamp, then by the sequence.
    let rank = |status: &str| ["sent", "delivered", "read"].iter().position(|known| *known == status).unwrap();
    deliveries.sort_by_key(|delivery| rank(first_status(delivery)["status"].as_str().unwrap()));
    let statuses: Vec<Value> = deliveries.iter().map(first_status).collect();

    let envelope = deliveries[0].json();
    assert_eq!(envelope["object"], "whatsapp_business_account");
    assert_eq!(envelope["entry"][0]["id"], DEMO_WABA_ID);
    assert!(envelope["entry"][0].get("time").is_none(), "messages entries carry no time");
    let value = &envelope["entry"][0]["changes"][0]["value"];
    assert_eq!(envelope["entry"][0]["changes"][0]["field"], "messages");
    assert_eq!(value["messaging_product"], "whatsapp");
    assert_eq!(value["metadata"], json!({ "display_phone_number": "15550100001", "phone_number_id": PHONE_NUMBER_ID }));

    let sent = &statuses[0];
    assert_eq!(sent["id"], "wamid.OUT1");
    assert_eq!(sent["status"], "sent");
    assert_eq!(sent["recipient_id"], "1234567890");
    let timestamp: i64 = sent["timestamp"].as_str().expect("timestamp is a string").parse().unwrap();
    assert_eq!(sent["conversation"]["expiration_timestamp"].as_str().unwrap(), (timestamp + 86_400).to_string());
    let conversation_id = sent["conversation"]["id"].as_str().unwrap();
    assert_eq!(conversation_id.len(), 32);
    // The seeded demo customer's 24-hour window is open: a free service message.
    assert_eq!(
        sent["pricing"],
        json!({ "billable": false, "pricing_model": "PMP", "type": "free_customer_service", "category": "service" })
    );

    let delivered = &statuses[1];
    assert_eq!(delivered["status"], "delivered");
    assert_eq!(delivered["conversation"]["id"], conversation_id);
    assert!(delivered["conversation"].get("expiration_timestamp").is_none());
    assert!(delivered.get("pricing").is_some());

    let read = &statuses[2];
    assert_eq!(read["status"], "read");
    assert!(read.get("pricing").is_none() && read.get("conversation").is_none(), "{read}");
}

#[tokio::test]
async fn a_reply_inside_the_window_is_free_customer_service_and_v24_drops_conversation() {
    let settings = wabagate_sandbox::webhooks::DeliverySettings { graph_version: 24, ..fast_settings() };
    let sandbox = Sandbox::spawn_with(settings).await;
    let mut receiver = Receiver::spawn("token").await;
    sandbox.configure_webhook(&receiver).await;
    sandbox.state.windows().open(PHONE_NUMBER_ID, "1234567890", sandbox.state.clock().unix());
    sandbox.state.events().publish(accepted("wamid.OUT2", "1234567890", None));
    let deliveries = receiver.next_accepted(3).await;
    let sent = deliveries.iter().map(first_status).find(|status| status["status"] == "sent").unwrap();
    assert_eq!(
        sent["pricing"],
        json!({ "billable": false, "pricing_model": "PMP", "type": "free_customer_service", "category": "service" })
    );
    assert!(sent.get("conversation").is_none(), "{sent}");
}

#[tokio::test]
async fn a_group_message_is_sent_to_the_group_with_no_contact_or_pricing() {
    let sandbox = Sandbox::spawn().await;
    let mut receiver = Receiver::spawn("token").await;
    sandbox.configure_webhook(&receiver).await;
    let group_id = "Y2FwaV9ncm91cDoxNTU1MDEwMDAwMToxMjAzNjMwMDAwMDAwMDAwMDA";
    let mut event = accepted("wamid.GROUP1", group_id, None);
    if let SandboxEvent::MessageAccepted { to_group, .. } = &mut event {
        *to_group = true;
    }
    sandbox.state.events().publish(event);
    let delivery = &receiver.next_accepted(1).await[0];
    let value = &delivery.json()["entry"][0]["changes"][0]["value"];
    // Meta's groups messaging guide, "Group message sent example".
    assert!(value.get("contacts").is_none(), "{value}");
    let sent = first_status(delivery);
    assert_eq!(sent["status"], "sent");
    assert_eq!(sent["recipient_id"], group_id);
    assert_eq!(sent["recipient_type"], "group");
    for absent in ["recipient_user_id", "pricing", "conversation"] {
        assert!(sent.get(absent).is_none(), "{absent}: {sent}");
    }
}

#[tokio::test]
async fn a_failed_send_gets_one_failed_status_with_metas_error_object() {
    let sandbox = Sandbox::spawn().await;
    let mut receiver = Receiver::spawn("token").await;
    sandbox.configure_webhook(&receiver).await;
    let failure = AsyncError {
        code: 131047,
        title: "Re-engagement message".into(),
        message: "Re-engagement message".into(),
        details: "Message failed to send because more than 24 hours have passed since the customer last replied to this number.".into(),
    };
    sandbox.state.events().publish(accepted("wamid.FAIL1", "15551234567", Some(failure)));
    let delivery = receiver.next().await;
    delivery.assert_signed_with(DEMO_APP_SECRET);
    let status = first_status(&delivery);
    let timestamp = status["timestamp"].clone();
    assert_eq!(
        status,
        json!({
            "id": "wamid.FAIL1",
            "status": "failed",
            "timestamp": timestamp,
            "recipient_id": "15551234567",
            "errors": [{
                "code": 131047,
                "title": "Re-engagement message",
                "message": "Re-engagement message",
                "error_data": { "details": "Message failed to send because more than 24 hours have passed since the customer last replied to this number." },
                "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
            }],
        })
    );
    receiver.assert_nothing_within(Duration::from_millis(150)).await;
}

#[tokio::test]
async fn template_approval_and_rejection_are_message_template_status_updates() {
    let sandbox = Sandbox::spawn().await;
    let mut receiver = Receiver::spawn("token").await;
    sandbox.configure_webhook(&receiver).await;
    for (status, reason, expected_reason) in
        [("APPROVED", None, "NONE"), ("REJECTED", Some("INVALID_FORMAT"), "INVALID_FORMAT")]
    {
        sandbox.state.events().publish(template_event(status, reason));
        let delivery = receiver.next().await;
        delivery.assert_signed_with(DEMO_APP_SECRET);
        let body = delivery.json();
        let time = body["entry"][0]["time"].as_i64().expect("WABA-level entries carry time");
        assert_eq!(
            body,
            json!({
                "object": "whatsapp_business_account",
                "entry": [{
                    "id": DEMO_WABA_ID,
                    "time": time,
                    "changes": [{
                        "value": {
                            "event": status,
                            "message_template_id": 1187654321098765_u64,
                            "message_template_name": "order_shipped",
                            "message_template_language": "en_US",
                            "reason": expected_reason,
                        },
                        "field": "message_template_status_update",
                    }],
                }],
            })
        );
    }
}

#[tokio::test]
async fn a_failing_receiver_gets_the_same_signed_bytes_again_with_backoff() {
    let sandbox = Sandbox::spawn().await;
    let mut receiver = Receiver::spawn_failing("token", 3).await;
    sandbox.configure_webhook(&receiver).await;
    sandbox.state.events().publish(template_event("APPROVED", None));

    let attempts: Vec<Received> =
        [receiver.next().await, receiver.next().await, receiver.next().await, receiver.next().await].into();
    let answered: Vec<u16> = attempts.iter().map(|attempt| attempt.answered.as_u16()).collect();
    assert_eq!(answered, [500, 500, 500, 200]);
    for attempt in &attempts {
        attempt.assert_signed_with(DEMO_APP_SECRET);
        assert_eq!(attempt.body, attempts[0].body, "a retry resends the identical body");
        assert_eq!(attempt.headers["x-hub-signature-256"], attempts[0].headers["x-hub-signature-256"]);
    }
    receiver.assert_nothing_within(Duration::from_millis(150)).await;

    let log: Value =
        sandbox.http.get(sandbox.url("/__sandbox/webhooks/deliveries")).send().await.unwrap().json().await.unwrap();
    let summary: Vec<(u64, Value, bool)> = log["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|attempt| {
            (attempt["attempt"].as_u64().unwrap(), attempt["status"].clone(), attempt["succeeded"].as_bool().unwrap())
        })
        .collect();
    assert_eq!(
        summary,
        [(1, json!(500), false), (2, json!(500), false), (3, json!(500), false), (4, json!(200), true)]
    );
    assert!(log["data"].as_array().unwrap().iter().all(|attempt| attempt["field"] == "message_template_status_update"));
}

#[tokio::test]
async fn delivery_stops_after_the_last_attempt() {
    let settings = wabagate_sandbox::webhooks::DeliverySettings {
        retry: RetryPolicy { max_attempts: 3, ..fast_settings().retry },
        ..fast_settings()
    };
    let sandbox = Sandbox::spawn_with(settings).await;
    let mut receiver = Receiver::spawn_failing("token", usize::MAX).await;
    sandbox.configure_webhook(&receiver).await;
    sandbox.state.events().publish(template_event("APPROVED", None));
    for _ in 0..3 {
        assert_eq!(receiver.next().await.answered, 500);
    }
    receiver.assert_nothing_within(Duration::from_millis(200)).await;
}

#[tokio::test]
async fn an_unsubscribed_waba_sends_nothing_and_an_override_takes_messages_only() {
    let sandbox = Sandbox::spawn().await;
    let mut app_receiver = Receiver::spawn("token").await;
    let mut override_receiver = Receiver::spawn("override").await;
    sandbox.configure_webhook(&app_receiver).await;

    let unsubscribe = sandbox
        .http
        .delete(sandbox.url(&format!("/v23.0/{DEMO_WABA_ID}/subscribed_apps")))
        .bearer_auth(DEMO_ACCESS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(unsubscribe.status(), 200);
    sandbox.state.events().publish(template_event("APPROVED", None));
    app_receiver.assert_nothing_within(Duration::from_millis(200)).await;

    let subscribe = sandbox
        .http
        .post(sandbox.url(&format!("/v23.0/{DEMO_WABA_ID}/subscribed_apps")))
        .bearer_auth(DEMO_ACCESS_TOKEN)
        .json(&json!({ "override_callback_uri": override_receiver.url, "verify_token": "override" }))
        .send()
        .await
        .unwrap();
    assert_eq!(subscribe.status(), 200);
    sandbox.state.events().publish(accepted(
        "wamid.OVR",
        "1234567890",
        Some(AsyncError {
            code: 131026,
            title: "Message undeliverable".into(),
            message: "Message undeliverable".into(),
            details: "The recipient cannot receive this message.".into(),
        }),
    ));
    assert_eq!(first_status(&override_receiver.next().await)["id"], "wamid.OVR");
    sandbox.state.events().publish(template_event("REJECTED", Some("PROMOTIONAL")));
    let template = app_receiver.next().await;
    assert_eq!(template.json()["entry"][0]["changes"][0]["field"], "message_template_status_update");
    override_receiver.assert_nothing_within(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn a_custom_signing_secret_replaces_the_app_secret() {
    let sandbox = Sandbox::spawn().await;
    let mut receiver = Receiver::spawn("token").await;
    let response = sandbox
        .http
        .post(sandbox.url("/__sandbox/webhooks"))
        .json(&json!({ "callback_url": receiver.url, "verify_token": "token", "app_secret": "custom-secret" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    sandbox.state.events().publish(template_event("APPROVED", None));
    receiver.next().await.assert_signed_with("custom-secret");
}
