//! Outbound events through the real binary: 1,000 events published while the receiver is
//! down, the gateway `kill -9`ed five times along the way; once the receiver is back, every
//! event arrives, each under one `webhook-id` only.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use serde_json::{Value, json};
use wabagate_sandbox::seed::DEMO_WABA_ID;

use crate::support::{Demo, Process, meta_signature, webhook_endpoint};

const ROUNDS: usize = 5;
const BODIES_PER_ROUND: usize = 2;
const MESSAGES_PER_BODY: usize = 100;

/// A body of `MESSAGES_PER_BODY` inbound messages, Meta's batching at its most.
fn batch(phone_number_id: &str, first: usize) -> Vec<u8> {
    let messages: Vec<Value> = (first..first + MESSAGES_PER_BODY)
        .map(|index| {
            json!({"from": "34600111222", "id": format!("wamid.OUT{index}"), "timestamp": "1750000000",
                "type": "text", "text": {"body": "hi"}})
        })
        .collect();
    serde_json::to_vec(&json!({"object": "whatsapp_business_account", "entry": [{"id": DEMO_WABA_ID, "changes": [{
        "field": "messages", "value": {"messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550100001", "phone_number_id": phone_number_id},
        "contacts": [{"profile": {"name": "Ana"}, "wa_id": "34600111222"}], "messages": messages}}]}]}))
    .unwrap()
}

#[derive(Default)]
struct Seen {
    up: bool,
    /// wamid → the webhook-ids it arrived under.
    ids: HashMap<String, HashSet<String>>,
}

/// An endpoint on 127.0.0.1:0 that answers 503 until it is `up`.
async fn receiver() -> (String, Arc<Mutex<Seen>>) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let url = webhook_endpoint(seen.clone(), |seen, headers, body| {
        if !seen.up {
            return StatusCode::SERVICE_UNAVAILABLE;
        }
        let body: Value = serde_json::from_slice(body).unwrap();
        let wamid = body["data"]["message"]["id"].as_str().unwrap().to_owned();
        let id = headers["webhook-id"].to_str().unwrap().to_owned();
        seen.ids.entry(wamid).or_default().insert(id);
        StatusCode::OK
    })
    .await;
    (url, seen)
}

fn sandbox_url(gateway: &Process) -> String {
    let upstream = gateway.banner.split("(upstream ").nth(1).expect("the banner names the upstream");
    upstream.split(')').next().unwrap().trim_end_matches('/').to_owned()
}

const FLAGS: [&str; 3] = ["--demo", "--webhook-allow-http", "--webhook-allow-private"];

#[tokio::test]
async fn a_thousand_events_survive_five_kills_and_arrive_once_each_under_one_id() {
    let dir = tempfile::tempdir().unwrap();
    let (url, seen) = receiver().await;
    let mut gateway = Process::serve(dir.path(), &FLAGS).await;
    let demo = Demo::read(dir.path());
    let client = reqwest::Client::new();
    let created = client
        .post(gateway.url("/webhooks"))
        .bearer_auth(&demo.api_key)
        .json(&json!({"url": url, "events": ["message.received"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);

    for round in 0..ROUNDS {
        for body in 0..BODIES_PER_ROUND {
            let first = (round * BODIES_PER_ROUND + body) * MESSAGES_PER_BODY;
            let bytes = batch(&demo.phone_number_id, first);
            let response = client
                .post(gateway.url("/meta/webhooks"))
                .header("x-hub-signature-256", meta_signature(&bytes))
                .body(bytes)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
        }
        // Mid-way through applying and attempting, at a different point each round.
        tokio::time::sleep(Duration::from_millis(100 * (round as u64 + 1))).await;
        gateway.kill().await;
        gateway = Process::serve(dir.path(), &FLAGS).await;
    }

    seen.lock().unwrap().up = true;
    let total = ROUNDS * BODIES_PER_ROUND * MESSAGES_PER_BODY;
    let sandbox = sandbox_url(&gateway);
    for _ in 0..60 {
        if seen.lock().unwrap().ids.len() == total {
            break;
        }
        // Retries and the leases of killed processes come due on the sandbox's clock.
        let advanced = client
            .post(format!("{sandbox}/__sandbox/clock/advance"))
            .json(&json!({"seconds": 3 * 60 * 60}))
            .send()
            .await
            .unwrap();
        assert!(advanced.status().is_success());
        tokio::time::sleep(Duration::from_millis(1000)).await;
    }
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.ids.len(), total, "every event arrived");
        let all_ids: HashSet<&String> = seen.ids.values().flatten().collect();
        assert_eq!(all_ids.len(), total, "one webhook-id per event");
        assert!(seen.ids.values().all(|ids| ids.len() == 1), "no event under two ids");
    }
    assert!(gateway.stop().await.success());
}
