//! Three real `wabagate serve` processes on one PostgreSQL database and one Redis, as behind a
//! load balancer: one Meta for all (a `wabagate sandbox` process), one public URL, the shared
//! master key, a data dir each. The test sends each step to the instance it chooses, as a
//! balancer might:
//! - an OAuth connect flow started on the second instance completes on the third, and the
//!   connection it made serves through all three; a key revoked or a connection deleted
//!   anywhere is refused everywhere within a second; a killed instance leaves the others serving;
//! - an event stream open on one instance gets an event that arrived through another; one
//!   signed Meta batch POSTed to all three at once is applied once; 1,000 events reach a
//!   receiver once each (by `webhook-id`), signed, while all three deliver.
//!
//! Skipped (saying so) unless both `WABAGATE_TEST_DATABASE_URL` and `WABAGATE_TEST_REDIS_URL`
//! are set. The shared rate limit's contract is tested in `scale_out_rate_limit.rs`.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::{Value, json};
use wabagate_sandbox::seed::{DEMO_APP_ID, DEMO_APP_SECRET, DEMO_WABA_ID};
use wabagate_store::test_database::{TestDatabase, server_url};

use crate::redis_server::shared_redis_url;
use crate::sandbox_dialog::connect_across_instances;
use crate::support::{Process, hello_text, meta_signature, wabagate, webhook_endpoint};

/// The load balancer's address: every instance makes its links with it, and no process
/// listens there (each request goes to the instance the test picks).
const PUBLIC_URL: &str = "http://gateway.wabagate.test";
/// The sandbox's first demo number, which a connection made through its dialog owns.
const NUMBER: &str = "1000000000001000";

/// Meta, the shared database and three instances, with an account and its API key.
struct Cluster {
    meta: Process,
    instances: Vec<Process>,
    database: TestDatabase,
    secret_key: String,
    dir: tempfile::TempDir,
    client: reqwest::Client,
    key: String,
}

impl Cluster {
    /// `None`, after saying why, when the run is not on PostgreSQL and Redis.
    async fn start(test: &str) -> Option<Self> {
        if server_url().is_none() {
            println!("{test}: skipped (WABAGATE_TEST_DATABASE_URL is not set)");
            return None;
        }
        let redis = shared_redis_url(test)?;
        let dir = tempfile::tempdir().unwrap();
        let meta = Process::sandbox(dir.path(), &[]).await;
        let database = TestDatabase::create(&dir.path().join("unused.db")).await;
        let secret_key = hex::encode(rand::random::<[u8; 32]>());
        let start =
            |name: &'static str| instance(dir.path(), name, &meta.base_url, database.url(), &secret_key, &redis);
        // The first migrates the database; the others find it migrated.
        let first = start("one").await;
        let (second, third) = futures_util::future::join(start("two"), start("three")).await;
        let mut cluster = Self {
            meta,
            instances: vec![first, second, third],
            database,
            secret_key,
            dir,
            client: reqwest::Client::new(),
            key: String::new(),
        };
        cluster.admin(&["accounts", "create", "acme"]).await;
        cluster.key =
            cluster.admin(&["keys", "create", "--account", "acme"]).await["api_key"].as_str().unwrap().to_owned();
        Some(cluster)
    }

    /// `wabagate admin --json ARGS…` on the shared database, as an operator beside the
    /// instances runs it; its JSON answer.
    async fn admin(&self, args: &[&str]) -> Value {
        let mut command = wabagate();
        command.args(["admin", "--json", "--data-dir"]).arg(self.dir.path().join("admin"));
        command.args(["--database-url", self.database.url()]).args(args);
        let output = command.env("WABAGATE_SECRET_KEY", &self.secret_key).output().await.unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        serde_json::from_slice(&output.stdout).unwrap()
    }

    fn get(&self, instance: usize, path: &str, key: &str) -> reqwest::RequestBuilder {
        self.client.get(self.instances[instance].url(path)).bearer_auth(key)
    }

    /// A connection made through the sandbox's dialog: link made on `made_on`, Connect pressed
    /// on `pressed_on`, Meta's callback on `called_back_on`. Its id.
    async fn connect(&self, made_on: usize, pressed_on: usize, called_back_on: usize) -> String {
        let created: Value = self
            .client
            .post(self.instances[made_on].url("/connections"))
            .bearer_auth(&self.key)
            .json(&json!({"app": "whatsapp-business"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let link = created["connection"]["url"].as_str().unwrap();
        assert!(link.starts_with(&format!("{PUBLIC_URL}/connect?")), "links name the public URL: {link}");
        let (pressed_on, called_back_on) =
            (&self.instances[pressed_on].base_url, &self.instances[called_back_on].base_url);
        let done = connect_across_instances(link, pressed_on, called_back_on).await;
        assert_eq!(done.status(), 200);
        assert!(done.text().await.unwrap().contains("WhatsApp Business connected"));
        created["connection"]["connection_id"].as_str().unwrap().to_owned()
    }

    /// POSTs a body signed with the Meta app's secret to one instance, as Meta does.
    async fn meta_posts(&self, instance: usize, body: &[u8]) {
        let posted = self.client.post(self.instances[instance].url("/meta/webhooks"));
        let posted =
            posted.header("x-hub-signature-256", meta_signature(body)).body(body.to_vec()).send().await.unwrap();
        assert_eq!(posted.status(), 200);
    }

    /// A sample of an instance's `/metrics`, 0 when absent.
    async fn metric(&self, instance: usize, sample: &str) -> u64 {
        let text = self.client.get(self.instances[instance].url("/metrics")).send().await.unwrap();
        let text = text.text().await.unwrap();
        text.lines().find_map(|line| line.strip_prefix(sample)?.trim().parse().ok()).unwrap_or(0)
    }
}

/// `serve` on its own data dir (the dir lock is per instance) with the shared database,
/// master key, Redis, Meta app and public URL. The limit is raised: it is shared through
/// Redis all the same, and these tests poll faster than 10 requests a second.
async fn instance(dir: &Path, name: &str, meta: &str, database_url: &str, secret_key: &str, redis: &str) -> Process {
    let data_dir = dir.join(name);
    std::fs::create_dir_all(&data_dir).unwrap();
    let mut command = wabagate();
    command.args(["serve", "--listen", "127.0.0.1:0", "--data-dir"]).arg(&data_dir);
    command.args(["--database-url", database_url, "--upstream", meta, "--oauth-base", meta]);
    command.args(["--meta-app-id", DEMO_APP_ID, "--public-url", PUBLIC_URL, "--rate-limit", "1000"]);
    // A debug build on a busy machine can take more than the default 100 ms to hear from Redis.
    command.args(["--redis-timeout-ms", "2000", "--webhook-allow-http", "--webhook-allow-private"]);
    command.env("WABAGATE_SECRET_KEY", secret_key).env("WABAGATE_META_APP_SECRET", DEMO_APP_SECRET);
    command.env("WABAGATE_REDIS_URL", redis);
    Process::start_command(command, dir.join(format!("{name}.log"))).await
}

async fn status(request: reqwest::RequestBuilder) -> u16 {
    request.send().await.unwrap().status().as_u16()
}

/// Waits up to `limit` for `done`, checking every 20 ms.
async fn within<F: std::future::Future<Output = bool>>(limit: Duration, what: &str, mut done: impl FnMut() -> F) {
    let deadline = Instant::now() + limit;
    while !done().await {
        assert!(Instant::now() < deadline, "{what}, not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_connection_made_across_instances_serves_on_all_and_a_revoked_key_is_refused_by_all_within_a_second() {
    let test = "a_connection_made_across_instances_serves_on_all_…";
    let Some(mut cluster) = Cluster::start(test).await else { return };

    // The link is made on the first, Connect pressed on the second, Meta calls back the
    // third: the flow's state lives in the shared database.
    let connection_id = cluster.connect(0, 1, 2).await;
    for instance in 0..3 {
        let connection: Value = cluster
            .get(instance, &format!("/connections/{connection_id}"), &cluster.key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(connection["connection"]["status"], "ACTIVE", "{connection}");
        let sent = cluster
            .client
            .post(cluster.instances[instance].url(&format!("/whatsapp-business/v21.0/{NUMBER}/messages")));
        let sent = sent.bearer_auth(&cluster.key).json(&hello_text()).send().await.unwrap();
        assert_eq!(sent.status(), 200, "{}", sent.text().await.unwrap());
    }

    // A key made and revoked by `admin` beside them stops working on all three within a second.
    let key = cluster.admin(&["keys", "create", "--account", "acme"]).await;
    let api_key = key["api_key"].as_str().unwrap();
    for instance in 0..3 {
        assert_eq!(status(cluster.get(instance, "/connections", api_key)).await, 200);
    }
    cluster.admin(&["keys", "revoke", key["key_id"].as_str().unwrap()]).await;
    for instance in 0..3 {
        within(Duration::from_secs(1), "the revoked key still works", || async {
            status(cluster.get(instance, "/connections", api_key)).await == 401
        })
        .await;
    }

    // The connection deleted through the first is gone on all three within a second, though
    // each had it cached for routing.
    let me = |instance: usize| {
        cluster.get(instance, "/whatsapp-business/v21.0/me", &cluster.key).header("maton-connection", &connection_id)
    };
    for instance in 0..3 {
        // Whatever the sandbox makes of `me`, the gateway found the connection.
        assert_ne!(status(me(instance)).await, 404);
    }
    let deleted = cluster.client.delete(cluster.instances[0].url(&format!("/connections/{connection_id}")));
    assert_eq!(status(deleted.bearer_auth(&cluster.key)).await, 200);
    for instance in 0..3 {
        within(Duration::from_secs(1), "the deleted connection still routes", || async {
            status(me(instance)).await == 404
        })
        .await;
    }

    // One instance killed: the other two keep serving.
    cluster.instances.remove(1).kill().await;
    for instance in 0..2 {
        for _ in 0..10 {
            assert_eq!(status(cluster.get(instance, "/connections", &cluster.key)).await, 200);
        }
    }
    assert!(!cluster.meta.log().contains(&cluster.secret_key));
}

/// Messages per body: Meta batches up to 100 (a thousand events in ten bodies).
const MESSAGES_PER_BODY: usize = 100;

/// A body of inbound messages to the connected number, with these wamids.
fn inbound_body(wamids: impl Iterator<Item = String>) -> Vec<u8> {
    let messages: Vec<Value> = wamids
        .map(|wamid| {
            json!({"from": "34600111222", "id": wamid, "timestamp": "1750000000", "type": "text", "text": {"body": "hi"}})
        })
        .collect();
    serde_json::to_vec(&json!({"object": "whatsapp_business_account", "entry": [{"id": DEMO_WABA_ID, "changes": [{
        "field": "messages", "value": {"messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550100001", "phone_number_id": NUMBER},
        "contacts": [{"profile": {"name": "Ana"}, "wa_id": "34600111222"}], "messages": messages}}]}]}))
    .unwrap()
}

/// What a receiver saw: per `webhook-id`, how many times it came and the wamid it carried.
#[derive(Default)]
struct Seen {
    /// The subscription's secret, known once it is made.
    verifier: Option<standardwebhooks::Webhook>,
    deliveries: HashMap<String, (usize, String)>,
    /// POSTs whose Standard Webhooks signature did not verify.
    forged: usize,
}

/// A webhook endpoint on 127.0.0.1:0 that checks every signature, as a receiver should, and
/// refuses what does not verify.
async fn receiver() -> (String, Arc<Mutex<Seen>>) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let url = webhook_endpoint(seen.clone(), |seen, headers, body| {
        let verified = seen.verifier.as_ref().is_some_and(|verifier| verifier.verify(body, headers).is_ok());
        if !verified {
            seen.forged += 1;
            return StatusCode::UNAUTHORIZED;
        }
        let body: Value = serde_json::from_slice(body).unwrap();
        let wamid = body["data"]["message"]["id"].as_str().unwrap_or_default().to_owned();
        let id = headers["webhook-id"].to_str().unwrap().to_owned();
        seen.deliveries.entry(id).or_insert((0, wamid)).0 += 1;
        StatusCode::OK
    })
    .await;
    (url, seen)
}

/// Reads an SSE stream until it holds `needle`, within `limit`.
async fn stream_until(stream: &mut reqwest::Response, needle: &str, limit: Duration) -> String {
    let mut text = String::new();
    tokio::time::timeout(limit, async {
        while !text.contains(needle) {
            let chunk = stream.chunk().await.unwrap().expect("the stream stays open");
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{needle} not streamed within {limit:?}; got {text:?}"));
    text
}

#[tokio::test]
async fn events_cross_instances_and_each_meta_body_is_applied_once_and_each_event_delivered_once() {
    let test = "events_cross_instances_…";
    let Some(cluster) = Cluster::start(test).await else { return };
    cluster.connect(0, 0, 0).await;
    let (url, seen) = receiver().await;
    let created = cluster.client.post(cluster.instances[0].url("/webhooks")).bearer_auth(&cluster.key);
    let created = created.json(&json!({"url": url, "events": ["message.received"]})).send().await.unwrap();
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    let secret = created["webhook"]["secret"].as_str().unwrap();
    seen.lock().unwrap().verifier = Some(standardwebhooks::Webhook::new(secret).unwrap());

    // A stream open on the first gets what Meta sent the second.
    let mut stream = cluster.get(0, "/events/stream", &cluster.key).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    cluster.meta_posts(1, &inbound_body(["wamid.ACROSS".to_owned()].into_iter())).await;
    let streamed = stream_until(&mut stream, "wamid.ACROSS", Duration::from_secs(5)).await;
    assert!(streamed.contains("event: message.received"), "{streamed}");

    // Meta retrying one batch through the balancer: it reaches all three at once.
    let thrice = inbound_body(["wamid.THRICE".to_owned()].into_iter());
    futures_util::future::join_all((0..3).map(|instance| cluster.meta_posts(instance, &thrice))).await;

    // A thousand more, in bodies spread over the three: every processor and outbox is at work.
    let bodies: Vec<Vec<u8>> = (0..1000 / MESSAGES_PER_BODY)
        .map(|body| inbound_body((0..MESSAGES_PER_BODY).map(|index| format!("wamid.SPREAD{body}x{index}"))))
        .collect();
    futures_util::future::join_all(bodies.iter().enumerate().map(|(index, body)| cluster.meta_posts(index % 3, body)))
        .await;

    let total = 1000 + 2;
    within(Duration::from_secs(60), "not every event arrived", || async {
        seen.lock().unwrap().deliveries.len() == total
    })
    .await;
    let mut attempts = Vec::new();
    for instance in 0..3 {
        attempts.push(cluster.metric(instance, r#"wabagate_webhook_attempts_total{outcome="delivered"}"#).await);
    }
    for wamid in ["wamid.ACROSS", "wamid.THRICE"] {
        assert_eq!(status(cluster.get(2, &format!("/messages/{wamid}"), &cluster.key)).await, 200);
    }
    let seen = seen.lock().unwrap();
    assert_eq!(seen.forged, 0, "every delivery is signed with the subscription's secret");
    let repeated: Vec<_> = seen.deliveries.iter().filter(|(_, (count, _))| *count > 1).collect();
    assert!(repeated.is_empty(), "delivered more than once: {repeated:?}");
    assert_eq!(attempts.iter().sum::<u64>(), total as u64, "one attempt per event, by instance: {attempts:?}");
    let mut wamids: Vec<&str> = seen.deliveries.values().map(|(_, wamid)| wamid.as_str()).collect();
    wamids.sort_unstable();
    wamids.dedup();
    assert_eq!(wamids.len(), total, "one event per message");
}
