//! `docs/metrics.md` and `/metrics` cannot drift: every series the table documents is
//! served with its type and labels, and every series served is documented. Series that only
//! appear after an event are provoked first.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::{Value, json};
use wabagate_server::config::{ConnectionLimits, DestinationPolicy};
use wabagate_store::{AccessToken, Timestamp};

use crate::support::{EchoUpstream, Options, TestApp};

/// One row of the table.
#[derive(Debug)]
struct Documented {
    name: String,
    kind: String,
    labels: BTreeSet<String>,
}

impl Documented {
    /// The name after `# TYPE`: OpenMetrics drops a counter's `_total` and an info's `_info`.
    fn family(&self) -> &str {
        let suffix = match self.kind.as_str() {
            "counter" => "_total",
            "info" => "_info",
            _ => "",
        };
        self.name.strip_suffix(suffix).unwrap_or(&self.name)
    }

    /// A sample that carries the documented labels.
    fn sample(&self) -> String {
        if self.kind == "histogram" { format!("{}_count", self.name) } else { self.name.clone() }
    }
}

fn documented() -> Vec<Documented> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/metrics.md")).unwrap();
    let rows: Vec<Documented> = text
        .lines()
        .filter(|line| line.starts_with("| `wabagate_"))
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
            let labels = match cells[2] {
                "none" => BTreeSet::new(),
                labels => labels.split("; ").map(|label| label.split('`').nth(1).unwrap().to_owned()).collect(),
            };
            Documented { name: cells[0].trim_matches('`').to_owned(), kind: cells[1].to_owned(), labels }
        })
        .collect();
    assert!(rows.len() >= 10, "the table was read: {rows:?}");
    rows
}

/// `# TYPE` lines (family → type) and, per sample name, the label names of its first sample.
fn exposition(text: &str) -> (BTreeMap<String, String>, BTreeMap<String, BTreeSet<String>>) {
    let mut types = BTreeMap::new();
    let mut samples = BTreeMap::new();
    for line in text.lines() {
        if let Some(declared) = line.strip_prefix("# TYPE ") {
            let (family, kind) = declared.split_once(' ').unwrap();
            types.insert(family.to_owned(), kind.to_owned());
        } else if !line.starts_with('#') {
            let series = line.rsplit_once(' ').unwrap().0;
            let (name, labels) = series.split_once('{').unwrap_or((series, "}"));
            let labels = labels
                .trim_end_matches('}')
                .split(',')
                .filter(|pair| !pair.is_empty())
                .map(|pair| pair.split('=').next().unwrap().to_owned())
                .filter(|label| label != "le")
                .collect();
            samples.entry(name.to_owned()).or_insert(labels);
        }
    }
    (types, samples)
}

/// A webhook endpoint on 127.0.0.1:0 that takes every delivery.
async fn webhook_endpoint() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let app = axum::Router::new().route("/hook", axum::routing::post(|| async { "thanks" }));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

#[tokio::test]
async fn every_documented_series_is_served_and_every_served_series_is_documented() {
    let upstream = EchoUpstream::start().await;
    // One client connection at a time, so a second client sheds the first's idle one.
    let connections = ConnectionLimits { max_connections: 1, ..ConnectionLimits::default() };
    // The webhook endpoint is on loopback, over http.
    let outbound = DestinationPolicy { allow_http: true, allow_private: true };
    let options = Options {
        rate_limit: 1,
        connections: Some(connections),
        outbound: Some(outbound),
        ..Options::new(&upstream.url)
    };
    let app = TestApp::spawn_with(options).await;
    let (account, key) = app.account_with_key("acme").await;
    app.active_connection(&account, &[]).await;
    let pending = app.store.create_connection(account.account_id, "whatsapp-business", Duration::from_secs(60)).await;
    let in_an_hour = Timestamp::from_unix_micros(app.state.now().unix_micros() + 3_600_000_000);
    let token = AccessToken::new("EAAGexpiring");
    app.store.activate_connection(pending.unwrap().connection_id, &token, json!({}), Some(in_an_hour)).await.unwrap();

    // A delivered test event: one webhook attempt.
    let subscription = json!({"url": webhook_endpoint().await, "events": ["webhook.test"]});
    let created: Value = app.post("/webhooks", &key).json(&subscription).send().await.unwrap().json().await.unwrap();
    let webhook = format!("/webhooks/{}", created["webhook"]["id"].as_str().unwrap());
    assert_eq!(app.post(&format!("{webhook}/test"), &key).send().await.unwrap().status(), 202);
    let mut log = Value::Null;
    for _ in 0..100 {
        log = app.get(&format!("{webhook}/deliveries"), &key).send().await.unwrap().json().await.unwrap();
        if log["deliveries"][0]["status"] == "delivered" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(log["deliveries"][0]["status"], "delivered", "{log}");

    assert_eq!(app.get("/whatsapp-business/v21.0/me", &key).send().await.unwrap().status(), 200);
    assert_eq!(app.get("/whatsapp-business/v21.0/me", &key).send().await.unwrap().status(), 429);

    let mut text = String::new();
    for _ in 0..100 {
        // A new client: its connection sheds the idle one above (or is refused while that
        // one is still finishing, until it is idle).
        if let Ok(answer) = reqwest::Client::new().get(app.url("/metrics")).send().await {
            text = answer.text().await.unwrap();
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (types, samples) = exposition(&text);

    let documented = documented();
    for series in &documented {
        assert_eq!(types.get(series.family()), Some(&series.kind), "the type of {} in:\n{text}", series.name);
        let labels = samples.get(&series.sample()).unwrap_or_else(|| panic!("no {} sample in:\n{text}", series.name));
        assert_eq!(labels, &series.labels, "the labels of {}", series.name);
    }
    let families: BTreeSet<&str> = documented.iter().map(Documented::family).collect();
    for family in types.keys() {
        assert!(families.contains(family.as_str()), "{family} is served but not in docs/metrics.md");
    }

    let value = |sample: &str| text.lines().find_map(|line| line.strip_prefix(sample)?.strip_prefix(' '));
    assert_eq!(value(&format!("wabagate_build_info{{version=\"{}\"}}", env!("CARGO_PKG_VERSION"))), Some("1"));
    assert_eq!(value(r#"wabagate_connections{status="ACTIVE"}"#), Some("2"));
    assert_eq!(value(r#"wabagate_connections{status="PENDING"}"#), Some("0"));
    let expiry: f64 = value("wabagate_token_expiry_seconds").unwrap().parse().unwrap();
    assert!((3_500.0..=3_600.0).contains(&expiry), "{expiry}");
    assert_eq!(value(r#"wabagate_webhook_attempts_total{outcome="delivered"}"#), Some("1"));
}

#[tokio::test]
async fn no_expiring_token_reads_as_infinitely_far() {
    let upstream = EchoUpstream::start().await;
    let app = TestApp::spawn(&upstream.url).await;
    let (account, _) = app.account_with_key("acme").await;
    app.active_connection(&account, &[]).await;
    let text = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(text.lines().any(|line| line == "wabagate_token_expiry_seconds inf"), "{text}");
    assert!(text.lines().any(|line| line == r#"wabagate_connections{status="ACTIVE"} 1"#), "{text}");
}
