//! Inbound webhooks and the message ledger, with the sandbox playing Meta (and the clock):
//! its signed deliveries reach `/meta/webhooks`, and hand-built signed bodies play Meta's
//! worst habits (reordering, duplicates, unknown numbers).

use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::net::TcpListener;
use url::Url;
use wabagate_sandbox::seed::{DEMO_ACCESS_TOKEN, DEMO_APP_ID, DEMO_WABA_ID};
use wabagate_sandbox::webhooks::retry::RetryPolicy;
use wabagate_sandbox::webhooks::{AppWebhook, DeliverySettings};
use wabagate_sandbox::{SandboxConfig, SandboxHandle, SandboxState};
use wabagate_server::clock::{Clock, SharedClock};
use wabagate_server::config::{MetaApp, WebhookConfig};
use wabagate_store::{Account, RouteKind, Timestamp};

use crate::support::{Options, TestApp, assert_gateway_error};

const SECRET: &str = "inbound-test-app-secret";
const OLD_SECRET: &str = "inbound-test-old-secret";
const VERIFY_TOKEN: &str = "inbound-test-verify-token";
const NUMBER: &str = "1000000000001000";
const OTHER_NUMBER: &str = "1000000000001001";
/// A demo customer whose window the sandbox keeps open; the gateway learns of it only
/// through an inbound message.
const CUSTOMER: &str = "1234567890";
/// A customer who never wrote: the sandbox fails free-form messages to them with 131047.
const STRANGER: &str = "15557654321";

struct SandboxClock(SandboxState);

impl Clock for SandboxClock {
    fn now(&self) -> Timestamp {
        Timestamp::from(self.0.clock().now())
    }
}

/// A gateway whose upstream and webhook sender is a sandbox, with the demo business's
/// connection owned by account `acme`.
struct World {
    sandbox: SandboxHandle,
    app: TestApp,
    account: Account,
    key: String,
}

impl World {
    async fn start() -> Self {
        Self::start_with(WebhookConfig::default()).await
    }

    /// `webhooks` without its verify token and old secret, which are filled in here.
    async fn start_with(webhooks: WebhookConfig) -> Self {
        let delivery = DeliverySettings {
            sent_after: Duration::from_millis(5),
            delivered_after: Duration::from_millis(10),
            read_after: Duration::from_millis(10),
            retry: RetryPolicy {
                first_retry: Duration::from_millis(20),
                multiplier: 2,
                max_interval: Duration::from_millis(100),
                max_attempts: 20,
            },
            ..DeliverySettings::default()
        };
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let config = SandboxConfig { webhook_delivery: delivery, ..SandboxConfig::default() };
        let sandbox = wabagate_sandbox::spawn(config, listener).await.unwrap();
        let upstream = Url::parse(&sandbox.base_url()).unwrap();
        let mut options = Options::new(&upstream);
        options.meta_app = Some(MetaApp {
            app_id: DEMO_APP_ID.to_owned(),
            app_secret: SECRET.to_owned(),
            config_id: None,
            oauth_base: upstream.clone(),
        });
        options.webhooks = Some(WebhookConfig {
            verify_token: Some(VERIFY_TOKEN.to_owned()),
            old_app_secret: Some(OLD_SECRET.to_owned()),
            ..webhooks
        });
        options.clock = Some(SharedClock::new(SandboxClock(sandbox.state().clone())));
        let app = TestApp::spawn_with(options).await;
        sandbox.state().webhooks().configs().set(
            DEMO_APP_ID,
            AppWebhook {
                callback_url: app.url("/meta/webhooks"),
                verify_token: VERIFY_TOKEN.to_owned(),
                app_secret: Some(SECRET.to_owned()),
            },
        );
        let (account, key) = app.account_with_key("acme").await;
        let metadata = json!({"waba_ids": [DEMO_WABA_ID], "phone_numbers": [{"id": NUMBER}, {"id": OTHER_NUMBER}]});
        app.store
            .create_active_connection(
                account.account_id,
                "whatsapp-business",
                &wabagate_store::AccessToken::new(DEMO_ACCESS_TOKEN),
                metadata,
            )
            .await
            .unwrap();
        Self { sandbox, app, account, key }
    }

    async fn send(&self, body: Value) -> reqwest::Response {
        self.app
            .post(&format!("/whatsapp-business/v21.0/{NUMBER}/messages"), &self.key)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// Sends a text and returns its wamid.
    async fn send_text(&self, to: &str) -> String {
        let response = self.send(text_to(to)).await;
        assert_eq!(response.status(), 200);
        let answer: Value = response.json().await.unwrap();
        answer["messages"][0]["id"].as_str().unwrap().to_owned()
    }

    async fn message(&self, wamid: &str) -> reqwest::Response {
        self.app.get(&format!("/messages/{}", path_segment(wamid)), &self.key).send().await.unwrap()
    }

    /// Polls `GET /messages/{wamid}` until `done` holds of the message (5 s at most).
    async fn message_once(&self, wamid: &str, done: impl Fn(&Value) -> bool) -> Value {
        let mut last = Value::Null;
        for _ in 0..200 {
            let response = self.message(wamid).await;
            if response.status() == 200 {
                last = response.json::<Value>().await.unwrap()["message"].clone();
                if done(&last) {
                    return last;
                }
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("message {wamid} never got there; last seen: {last}");
    }

    async fn inject(&self, from: &str, message: Value) -> String {
        let injected: Value = self
            .app
            .client
            .post(format!("{}/__sandbox/inbound", self.sandbox.base_url()))
            .json(&json!({"from": from, "phone_number_id": NUMBER, "message": message}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        injected["id"].as_str().unwrap_or_else(|| panic!("{injected}")).to_owned()
    }

    async fn advance_clock(&self, seconds: u64) {
        let response = self
            .app
            .client
            .post(format!("{}/__sandbox/clock/advance", self.sandbox.base_url()))
            .json(&json!({"seconds": seconds}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }

    async fn get_json(&self, path: &str) -> Value {
        let response = self.app.get(path, &self.key).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        response.json().await.unwrap()
    }
}

/// Meta's wamids are base64 (`+`, `/`, `=`), so they are escaped in a path.
fn path_segment(wamid: &str) -> String {
    url::form_urlencoded::byte_serialize(wamid.as_bytes()).collect()
}

fn text_to(to: &str) -> Value {
    json!({"messaging_product": "whatsapp", "to": to, "type": "text", "text": {"body": "Olá 👋"}})
}

fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

async fn post_webhook(app: &TestApp, body: &[u8], signature: Option<&str>) -> reqwest::Response {
    let mut request = app.client.post(app.url("/meta/webhooks")).header("content-type", "application/json");
    if let Some(signature) = signature {
        request = request.header("x-hub-signature-256", signature);
    }
    request.body(body.to_vec()).send().await.unwrap()
}

/// Posts a body signed with the app secret, as Meta would.
async fn deliver(app: &TestApp, body: &Value) {
    let bytes = serde_json::to_vec(body).unwrap();
    let response = post_webhook(app, &bytes, Some(&sign(SECRET, &bytes))).await;
    assert_eq!(response.status(), 200);
}

fn statuses_body(phone_number_id: &str, statuses: &[(&str, &str, i64)]) -> Value {
    let statuses: Vec<Value> = statuses
        .iter()
        .map(|(wamid, status, timestamp)| {
            json!({"id": wamid, "status": status, "timestamp": timestamp.to_string(), "recipient_id": CUSTOMER})
        })
        .collect();
    json!({"object": "whatsapp_business_account", "entry": [{"id": DEMO_WABA_ID, "changes": [{"field": "messages",
        "value": {"messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550100001",
        "phone_number_id": phone_number_id}, "statuses": statuses}}]}]})
}

fn inbound_body(waba_id: &str, phone_number_id: &str, wamid: &str, from: &str) -> Value {
    json!({"object": "whatsapp_business_account", "entry": [{"id": waba_id, "changes": [{"field": "messages",
        "value": {"messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550100009",
        "phone_number_id": phone_number_id}, "contacts": [{"profile": {"name": "Ana"}, "wa_id": from}],
        "messages": [{"from": from, "id": wamid, "timestamp": "1750000000", "type": "text", "text": {"body": "hi"}}]}}]}]})
}

fn history(message: &Value) -> Vec<String> {
    message["statuses"].as_array().unwrap().iter().map(|entry| entry["status"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn the_handshake_echoes_the_challenge_only_for_the_verify_token() {
    let world = World::start().await;
    let handshake = |token: &str| {
        world
            .app
            .client
            .get(world.app.url("/meta/webhooks"))
            .query(&[("hub.mode", "subscribe"), ("hub.verify_token", token), ("hub.challenge", "1158201444")])
            .send()
    };
    let accepted = handshake(VERIFY_TOKEN).await.unwrap();
    assert_eq!(accepted.status(), 200);
    assert_eq!(accepted.text().await.unwrap(), "1158201444");
    assert_gateway_error(handshake("wrong-token").await.unwrap(), 403, "webhook_verification_failed").await;
    let wrong_mode = world
        .app
        .client
        .get(world.app.url("/meta/webhooks"))
        .query(&[("hub.mode", "unsubscribe"), ("hub.verify_token", VERIFY_TOKEN), ("hub.challenge", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_mode.status(), 403);
}

#[tokio::test]
async fn only_bodies_signed_over_their_exact_bytes_are_stored() {
    let world = World::start().await;
    let app = &world.app;
    // Meta's \uXXXX-escaped form: the signature covers these bytes, not a re-serialisation.
    let escaped = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../wabagate-model/tests/webhook_corpus/inbound_text_escaped.json"
    ))
    .unwrap();
    assert!(escaped.windows(6).any(|window| window == br"\u00e1"));

    assert_gateway_error(post_webhook(app, &escaped, None).await, 401, "webhook_signature_missing").await;
    let mut flipped = escaped.clone();
    flipped[100] ^= 0x01;
    let signature = sign(SECRET, &escaped);
    assert_gateway_error(post_webhook(app, &flipped, Some(&signature)).await, 403, "webhook_signature_invalid").await;
    let unescaped = String::from_utf8(escaped.clone()).unwrap().replace(r"\u00e1", "á");
    let refused = post_webhook(app, unescaped.as_bytes(), Some(&signature)).await;
    assert_eq!(refused.status(), 403);
    assert_eq!(app.store.webhook_body_counts().await.unwrap(), (0, 0), "nothing is stored on a refusal");

    assert_eq!(post_webhook(app, &escaped, Some(&signature)).await.status(), 200);
    assert_eq!(post_webhook(app, &escaped, Some(&sign(OLD_SECRET, &escaped))).await.status(), 200);
    assert_eq!(app.store.webhook_body_counts().await.unwrap().0, 2);

    let too_big = vec![b' '; 4 * 1024 * 1024 + 1];
    assert_eq!(post_webhook(app, &too_big, Some(&sign(SECRET, &too_big))).await.status(), 413);
}

#[tokio::test]
async fn a_text_sent_through_the_gateway_ends_read_with_three_history_rows() {
    let world = World::start().await;
    world.inject(CUSTOMER, json!({"type": "text", "text": {"body": "hello"}})).await;
    let wamid = world.send_text(CUSTOMER).await;
    // Like Meta, the sandbox promises no order: `read` may land before `delivered`. A message
    // and its history are read from one snapshot, so a full history comes with its status.
    let message = world.message_once(&wamid, |message| message["statuses"].as_array().unwrap().len() == 3).await;
    assert_eq!(message["status"], "read");
    assert_eq!(history(&message), ["sent", "delivered", "read"]);
    assert_eq!((message["direction"].as_str(), message["origin"].as_str()), (Some("outbound"), Some("gateway")));
    assert_eq!(message["peer"], CUSTOMER);
    assert_eq!(message["type"], "text");
    assert_eq!(message["content"]["text"]["body"], "Olá 👋");
    assert!(message["request_id"].is_string());
}

#[tokio::test]
async fn reversed_and_duplicated_statuses_still_end_read_with_one_row_each() {
    let world = World::start().await;
    world.inject(CUSTOMER, json!({"type": "text", "text": {"body": "hello"}})).await;
    // The sandbox's own statuses go elsewhere: only the hand-built ones below arrive.
    world.sandbox.state().webhooks().configs().remove(DEMO_APP_ID);
    let wamid = world.send_text(CUSTOMER).await;
    for statuses in [
        vec![(wamid.as_str(), "read", 1_750_000_030)],
        vec![(wamid.as_str(), "delivered", 1_750_000_020), (wamid.as_str(), "read", 1_750_000_030)],
        vec![(wamid.as_str(), "sent", 1_750_000_010)],
        vec![(wamid.as_str(), "sent", 1_750_000_010)],
    ] {
        deliver(&world.app, &statuses_body(NUMBER, &statuses)).await;
    }
    let message = world.message_once(&wamid, |message| message["statuses"].as_array().unwrap().len() == 3).await;
    assert_eq!(message["status"], "read", "a late `sent` goes into the history only");
    assert_eq!(history(&message), ["sent", "delivered", "read"], "in Meta's order");

    // A status for a message sent around the gateway is tracked as external; a failure
    // after delivery stays in the history only.
    let around = "wamid.SENT_AROUND_THE_GATEWAY";
    deliver(&world.app, &statuses_body(NUMBER, &[(around, "delivered", 1_750_000_040)])).await;
    deliver(&world.app, &statuses_body(NUMBER, &[(around, "failed", 1_750_000_050)])).await;
    let external = world.message_once(around, |message| message["statuses"].as_array().unwrap().len() == 2).await;
    assert_eq!((external["origin"].as_str(), external["status"].as_str()), (Some("external"), Some("delivered")));
}

#[tokio::test]
async fn a_status_that_arrives_before_its_send_is_merged_when_the_send_lands() {
    let world = World::start().await;
    // The status is applied first; the send's record lands after it (as when the webhook
    // outruns the proxied answer), written through the store verb the proxy uses.
    deliver(&world.app, &statuses_body(NUMBER, &[("wamid.EARLY", "sent", 1_750_000_010)])).await;
    world.message_once("wamid.EARLY", |message| message["origin"] == "external").await;
    let record = wabagate_store::SendRecord {
        wamid: "wamid.EARLY".to_owned(),
        account_id: world.account.account_id,
        connection_id: world
            .app
            .store
            .webhook_route(RouteKind::PhoneNumber, NUMBER)
            .await
            .unwrap()
            .unwrap()
            .connection_id,
        phone_number_id: NUMBER.to_owned(),
        recipient: CUSTOMER.to_owned(),
        message_type: Some("template".to_owned()),
        template_name: Some("hello_world".to_owned()),
        biz_opaque_callback_data: Some("order-4411".to_owned()),
        request_id: Some("req-1".to_owned()),
        content: Some(json!({"type": "template"}).to_string()),
        sent_at: Timestamp::now(),
    };
    world.app.store.record_send(&record).await.unwrap();
    let merged = world.message_once("wamid.EARLY", |message| message["origin"] == "gateway").await;
    assert_eq!(merged["status"], "sent", "the send does not move its status back to accepted");
    assert_eq!((merged["template_name"].as_str(), merged["request_id"].as_str()), (Some("hello_world"), Some("req-1")));
    assert_eq!(merged["biz_opaque_callback_data"], "order-4411");
}

#[tokio::test]
async fn a_free_form_send_outside_the_window_warns_and_ends_failed_131047() {
    let world = World::start().await;
    let response = world.send(text_to(STRANGER)).await;
    assert_eq!(response.status(), 200);
    let warning = response.headers().get("wabagate-warning").expect("a warning header").to_str().unwrap().to_owned();
    assert!(warning.starts_with("131047 "), "{warning}");
    let answer: Value = response.json().await.unwrap();
    let wamid = answer["messages"][0]["id"].as_str().unwrap();
    let message = world.message_once(wamid, |message| message["status"] == "failed").await;
    assert_eq!(message["errors"][0]["code"], 131047);
    assert_eq!(history(&message), ["failed"]);

    // A template needs no window.
    let template = json!({"messaging_product": "whatsapp", "to": STRANGER, "type": "template",
        "template": {"name": "hello_world", "language": {"code": "en_US"}}});
    let response = world.send(template).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("wabagate-warning").is_none());
}

#[tokio::test]
async fn with_enforcement_a_send_into_a_closed_window_is_refused_and_not_forwarded() {
    let world = World::start_with(WebhookConfig { enforce_service_window: true, ..WebhookConfig::default() }).await;
    assert_gateway_error(world.send(text_to(STRANGER)).await, 400, "service_window_closed").await;
    let sent: Value = world
        .app
        .client
        .get(format!("{}/__sandbox/messages?wa_id={STRANGER}", world.sandbox.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(sent["data"].as_array().map(Vec::len).unwrap_or_default(), 0, "{sent}");
    world.inject(STRANGER, json!({"type": "text", "text": {"body": "now I wrote"}})).await;
    for _ in 0..200 {
        if world.app.store.last_inbound(NUMBER, STRANGER).await.unwrap().is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(world.send(text_to(STRANGER)).await.status(), 200);
}

#[tokio::test]
async fn every_inbound_type_is_stored_and_the_window_closes_after_24_hours() {
    let world = World::start().await;
    let replied_to = world.send_text(CUSTOMER).await;
    let kinds = [
        json!({"type": "text", "text": {"body": "Olá 👍"}, "context": {"id": replied_to}}),
        json!({"type": "image", "image": {"caption": "look"}}),
        json!({"type": "video", "video": {}}),
        json!({"type": "audio", "audio": {"voice": true}}),
        json!({"type": "document", "document": {"filename": "a.pdf"}}),
        json!({"type": "sticker", "sticker": {"animated": false}}),
        json!({"type": "location", "location": {"latitude": 38.7, "longitude": -9.1}}),
        json!({"type": "contacts", "contacts": [{"name": {"formatted_name": "Ana"}}]}),
        json!({"type": "interactive", "interactive": {"type": "button_reply", "button_reply": {"id": "y", "title": "Yes"}}}),
        json!({"type": "button", "button": {"payload": "STOP", "text": "Stop"}}),
        json!({"type": "reaction", "reaction": {"message_id": replied_to, "emoji": "👍"}}),
        json!({"type": "order", "order": {"catalog_id": "1", "product_items": []}}),
        json!({"type": "system", "system": {"type": "user_changed_number", "body": "changed", "wa_id": "1234567899"}}),
        json!({"type": "unsupported"}),
    ];
    let mut wamids = Vec::new();
    for kind in &kinds {
        wamids.push(world.inject(CUSTOMER, kind.clone()).await);
    }
    for (wamid, kind) in wamids.iter().zip(&kinds) {
        let message = world.message_once(wamid, |_| true).await;
        assert_eq!(message["direction"], "inbound");
        assert_eq!(message["status"], "received");
        assert_eq!(message["type"], kind["type"]);
        assert_eq!(message["peer"], CUSTOMER);
        assert_eq!(message["content"]["id"], wamid.as_str(), "Meta's object as received");
    }
    let first = world.message_once(&wamids[0], |_| true).await;
    assert_eq!(first["reply_to"], replied_to.as_str());
    assert_eq!(first["content"]["text"]["body"], "Olá 👍");
    assert!(first["profile_name"].is_string());

    let thread = world.get_json(&format!("/conversations/{NUMBER}/{CUSTOMER}")).await;
    let conversation = &thread["conversation"];
    assert_eq!(conversation["window"]["open"], true);
    assert!(conversation["window"]["open_until"].is_string());
    assert_eq!(conversation["messages"].as_array().unwrap().len(), kinds.len() + 1);
    assert_eq!(conversation["messages"][0]["wamid"], replied_to.as_str(), "oldest first");

    world.advance_clock(24 * 60 * 60 + 60).await;
    let thread = world.get_json(&format!("/conversations/{NUMBER}/{CUSTOMER}")).await;
    assert_eq!(thread["conversation"]["window"]["open"], false);
    let list = world.get_json(&format!("/conversations?phone_number_id={NUMBER}")).await;
    let listed = &list["conversations"][0];
    assert_eq!((listed["wa_id"].as_str(), listed["window"]["open"].as_bool()), (Some(CUSTOMER), Some(false)));
    assert_eq!(listed["last_message"]["wamid"], wamids.last().unwrap().as_str());
}

#[tokio::test]
async fn template_reviews_update_the_mirror_and_sync_fills_it() {
    let world = World::start().await;
    for name in ["inbound_spring_offer", "inbound_reject_me"] {
        let template = json!({"name": name, "language": "en_US", "category": "MARKETING",
            "components": [{"type": "BODY", "text": "Spring is here"}]});
        let response = world
            .app
            .post(&format!("/whatsapp-business/v21.0/{DEMO_WABA_ID}/message_templates"), &world.key)
            .json(&template)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    }
    world.advance_clock(60).await;
    let mut statuses = Vec::new();
    for _ in 0..200 {
        let listed = world.get_json(&format!("/templates?waba_id={DEMO_WABA_ID}")).await;
        statuses = listed["templates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|template| {
                (template["name"].as_str().unwrap().to_owned(), template["status"].as_str().unwrap().to_owned())
            })
            .collect::<Vec<_>>();
        if statuses.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(
        statuses,
        [
            ("inbound_reject_me".to_owned(), "REJECTED".to_owned()),
            ("inbound_spring_offer".to_owned(), "APPROVED".to_owned())
        ]
    );

    let synced =
        world.app.post("/templates/sync", &world.key).json(&json!({"waba_id": DEMO_WABA_ID})).send().await.unwrap();
    assert_eq!(synced.status(), 200);
    let synced: Value = synced.json().await.unwrap();
    assert!(synced["synced"].as_u64().unwrap() >= 7, "{synced}");
    let approved = world.get_json(&format!("/templates?waba_id={DEMO_WABA_ID}&status=APPROVED")).await;
    let hello =
        approved["templates"].as_array().unwrap().iter().find(|template| template["name"] == "hello_world").unwrap();
    assert!(hello["components"].is_array());
    assert!(approved["templates"].as_array().unwrap().iter().all(|template| template["status"] == "APPROVED"));
}

#[tokio::test]
async fn sends_queued_for_the_ledger_are_written_before_a_graceful_stop() {
    let world = World::start().await;
    let sends = futures_util::future::join_all((0..40).map(|_| world.send_text(STRANGER))).await;
    let World { sandbox: _sandbox, app, account, .. } = world;
    // Straight to the store after the restart: nothing could have written them since.
    let app = app.restart().await;
    for wamid in &sends {
        let recorded = app.store.ledger_message(account.account_id, wamid).await.unwrap();
        assert_eq!(recorded.map(|message| message.origin), Some("gateway".to_owned()), "{wamid}");
    }
}

#[tokio::test]
async fn a_template_list_proxied_through_the_gateway_fills_the_mirror() {
    let world = World::start().await;
    let list = format!("/v21.0/{DEMO_WABA_ID}/message_templates?limit=100");
    let proxied = world.app.get(&format!("/whatsapp-business{list}"), &world.key).send().await.unwrap();
    assert_eq!(proxied.status(), 200);
    let proxied: Value = proxied.json().await.unwrap();
    let direct = world.app.client.get(format!("{}{list}", world.sandbox.base_url())).bearer_auth(DEMO_ACCESS_TOKEN);
    let direct: Value = direct.send().await.unwrap().json().await.unwrap();
    assert_eq!(proxied, direct, "the caller gets Meta's answer as it was");

    let statuses = |templates: &Value| -> Vec<(String, String)> {
        let mut statuses: Vec<(String, String)> = templates
            .as_array()
            .unwrap()
            .iter()
            .map(|template| {
                (template["id"].as_str().unwrap().to_owned(), template["status"].as_str().unwrap().to_owned())
            })
            .collect();
        statuses.sort();
        statuses
    };
    let listed = statuses(&proxied["data"]);
    assert!(!listed.is_empty());
    let mirrored = world.get_json(&format!("/templates?waba_id={DEMO_WABA_ID}")).await;
    assert_eq!(statuses(&mirrored["templates"]), listed, "the mirror holds what the list said");

    // A list asked for names only says nothing of statuses, and must not blank them.
    let names_only = format!("/whatsapp-business/v21.0/{DEMO_WABA_ID}/message_templates?fields=name");
    assert_eq!(world.app.get(&names_only, &world.key).send().await.unwrap().status(), 200);
    let mirrored = world.get_json(&format!("/templates?waba_id={DEMO_WABA_ID}")).await;
    assert_eq!(statuses(&mirrored["templates"]), listed);
}

#[tokio::test]
async fn accounts_see_only_their_own_messages_conversations_and_templates() {
    let world = World::start().await;
    let app = &world.app;
    let (other, other_key) = app.account_with_key("globex").await;
    let numbers = json!({"waba_ids": ["2000000000000100"], "phone_numbers": [{"id": "2000000000001000"}, {"id": "2000000000001001"}]});
    app.store
        .create_active_connection(
            other.account_id,
            "whatsapp-business",
            &wabagate_store::AccessToken::new("EAAGother"),
            numbers,
        )
        .await
        .unwrap();
    for (waba, number, wamid) in [
        (DEMO_WABA_ID, NUMBER, "wamid.ACME1"),
        (DEMO_WABA_ID, OTHER_NUMBER, "wamid.ACME2"),
        ("2000000000000100", "2000000000001000", "wamid.GLOBEX1"),
        ("2000000000000100", "2000000000001001", "wamid.GLOBEX2"),
    ] {
        deliver(app, &inbound_body(waba, number, wamid, "34600111222")).await;
    }
    deliver(
        app,
        &json!({"object": "whatsapp_business_account", "entry": [{"id": "2000000000000100", "time": 1_750_000_000,
            "changes": [{"field": "message_template_status_update", "value": {"event": "APPROVED",
            "message_template_id": 42, "message_template_name": "globex_only", "message_template_language": "en"}}]}]}),
    )
    .await;
    world.message_once("wamid.ACME2", |_| true).await;
    for _ in 0..200 {
        if app.get("/messages/wamid.GLOBEX2", &other_key).send().await.unwrap().status() == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }

    let wamids = |listing: &Value| -> Vec<String> {
        listing["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|message| message["wamid"].as_str().unwrap().to_owned())
            .collect()
    };
    let acme = world.get_json("/messages?direction=inbound").await;
    assert_eq!(wamids(&acme), ["wamid.ACME2", "wamid.ACME1"]);
    let globex: Value = app.get("/messages", &other_key).send().await.unwrap().json().await.unwrap();
    assert_eq!(wamids(&globex), ["wamid.GLOBEX2", "wamid.GLOBEX1"]);

    assert_gateway_error(world.message("wamid.GLOBEX1").await, 404, "not_found").await;
    assert_gateway_error(app.get("/messages/wamid.ACME1", &other_key).send().await.unwrap(), 404, "not_found").await;
    let foreign_thread = world.app.get("/conversations/2000000000001000/34600111222", &world.key).send().await.unwrap();
    assert_gateway_error(foreign_thread, 404, "not_found").await;
    let foreign_templates = world.app.get("/templates?waba_id=2000000000000100", &world.key).send().await.unwrap();
    assert_gateway_error(foreign_templates, 404, "not_found").await;
    // The template body was posted last: wait until it is applied too.
    let mut own = Value::Null;
    for _ in 0..200 {
        own = app.get("/templates", &other_key).send().await.unwrap().json().await.unwrap();
        if !own["templates"].as_array().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(own["templates"].as_array().unwrap().len(), 1);
    assert_eq!(own["templates"][0]["name"], "globex_only");
    let conversations: Value = app.get("/conversations", &other_key).send().await.unwrap().json().await.unwrap();
    let numbers: Vec<&str> = conversations["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|conversation| conversation["phone_number_id"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["2000000000001001", "2000000000001000"]);

    // Paging: one at a time, newest first, each page once.
    let first = world.get_json("/messages?direction=inbound&limit=1").await;
    let cursor = first["paging"]["next_cursor"].as_str().unwrap();
    let second = world.get_json(&format!("/messages?direction=inbound&limit=1&cursor={cursor}")).await;
    assert_eq!((wamids(&first), wamids(&second)), (vec!["wamid.ACME2".to_owned()], vec!["wamid.ACME1".to_owned()]));
    assert!(second["paging"]["next_cursor"].is_null());
}

#[tokio::test]
async fn an_unknown_number_is_kept_unrouted_and_rerouted_once_a_connection_owns_it() {
    let world = World::start().await;
    let app = &world.app;
    deliver(app, &inbound_body("3000000000000100", "3000000000001000", "wamid.ORPHAN", "34600111222")).await;
    let mut unrouted = Vec::new();
    for _ in 0..200 {
        unrouted = app.store.unrouted_changes(false).await.unwrap();
        if !unrouted.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(unrouted.len(), 1);
    assert_eq!((unrouted[0].route_kind, unrouted[0].route_id.as_str()), ("phone_number_id", "3000000000001000"));
    let outcome = wabagate_server::inbound::reroute(&app.store, Timestamp::now()).await.unwrap();
    assert_eq!((outcome.rerouted, outcome.still_unrouted), (0, 1), "no owner yet");

    let (late, late_key) = app.account_with_key("latecomer").await;
    let numbers = json!({"phone_numbers": [{"id": "3000000000001000"}]});
    app.store
        .create_active_connection(
            late.account_id,
            "whatsapp-business",
            &wabagate_store::AccessToken::new("EAAGlate"),
            numbers,
        )
        .await
        .unwrap();
    let outcome = wabagate_server::inbound::reroute(&app.store, Timestamp::now()).await.unwrap();
    assert_eq!((outcome.rerouted, outcome.still_unrouted), (1, 0));
    let orphan = app.get("/messages/wamid.ORPHAN", &late_key).send().await.unwrap();
    assert_eq!(orphan.status(), 200);
    assert!(app.store.unrouted_changes(false).await.unwrap().is_empty());
    let again = wabagate_server::inbound::reroute(&app.store, Timestamp::now()).await.unwrap();
    assert_eq!(again.rerouted, 0, "rerouted once");
}

#[tokio::test]
async fn an_account_update_that_removes_access_expires_the_connection_with_events() {
    let world = World::start().await;
    let app = &world.app;
    let connection_id = app.store.webhook_route(RouteKind::Waba, DEMO_WABA_ID).await.unwrap().unwrap().connection_id;
    deliver(
        app,
        &json!({"object": "whatsapp_business_account", "entry": [{"id": DEMO_WABA_ID, "time": 1_750_000_000,
            "changes": [{"field": "account_update", "value": {"event": "PARTNER_APP_UNINSTALLED"}}]}]}),
    )
    .await;
    let mut status = String::new();
    for _ in 0..200 {
        let connection = app.connection(&world.key, &connection_id.to_string()).await;
        status = connection["status"].as_str().unwrap().to_owned();
        if status == "EXPIRED" {
            assert_eq!(connection["metadata"]["error"]["reason"], "access_revoked");
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(status, "EXPIRED");
    let kinds: Vec<String> =
        app.store.connection_events(connection_id).await.unwrap().into_iter().map(|event| event.kind).collect();
    assert_eq!(kinds, ["status_changed", "account_update", "access_revoked", "status_changed"]);
}

#[tokio::test]
async fn inbound_media_is_cached_on_arrival_and_served_after_meta_deleted_it() {
    let cache = tempfile::tempdir().unwrap();
    let world =
        World::start_with(WebhookConfig { media_cache_dir: Some(cache.path().to_owned()), ..WebhookConfig::default() })
            .await;
    let photo: Vec<u8> = (0..50_000_u32).map(|index| (index % 251) as u8).collect();
    let part = reqwest::multipart::Part::bytes(photo.clone()).file_name("photo.jpg").mime_str("image/jpeg").unwrap();
    let form = reqwest::multipart::Form::new()
        .text("messaging_product", "whatsapp")
        .text("type", "image/jpeg")
        .part("file", part);
    let uploaded: Value = world
        .app
        .post(&format!("/whatsapp-business/v21.0/{NUMBER}/media"), &world.key)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let media_id = uploaded["id"].as_str().unwrap().to_owned();
    // What Meta sends with an inbound media message: the file's SHA-256, here in base64.
    let sha256 =
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, <Sha256 as sha2::Digest>::digest(&photo));
    let wamid = world.inject(CUSTOMER, json!({"type": "image", "image": {"id": media_id, "sha256": sha256}})).await;

    let mut cached = false;
    for _ in 0..200 {
        cached = std::fs::read_dir(cache.path())
            .unwrap()
            .any(|entry| entry.unwrap().path().extension().is_some_and(|ext| ext == "bin"));
        if cached {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(cached, "the media was cached on arrival");
    let deleted = world.app.delete(&format!("/whatsapp-business/v21.0/{media_id}"), &world.key).send().await.unwrap();
    assert_eq!(deleted.status(), 200);

    let media = world.app.get(&format!("/messages/{}/media", path_segment(&wamid)), &world.key).send().await.unwrap();
    assert_eq!(media.status(), 200);
    assert_eq!(media.headers()["content-type"], "image/jpeg");
    assert_eq!(media.bytes().await.unwrap().as_ref(), photo.as_slice());
}
