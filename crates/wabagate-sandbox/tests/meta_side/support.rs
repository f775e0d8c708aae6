//! Test harness for the Meta side: a sandbox on 127.0.0.1:0 built from the OAuth and
//! webhook routers with the seed tokens registered, and a webhook receiver on 127.0.0.1:0
//! that reports every request it gets over a channel. Every wait is bounded.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use wabagate_sandbox::events::EventBus;
use wabagate_sandbox::seed::{DEMO_ACCESS_TOKEN, DEMO_APP_ID, DEMO_APP_SECRET, DEMO_SYSTEM_USER_ID, DEMO_WABA_ID};
use wabagate_sandbox::tokens::{TokenInfo, TokenKind};
use wabagate_sandbox::webhooks::DeliverySettings;
use wabagate_sandbox::webhooks::retry::RetryPolicy;
use wabagate_sandbox::{SandboxState, oauth, webhooks};

/// How long any single expected event may take.
pub(crate) const WAIT: Duration = Duration::from_secs(5);

/// Delivery settings that make a status sequence or a retry series take milliseconds.
pub(crate) fn fast_settings() -> DeliverySettings {
    DeliverySettings {
        sent_after: Duration::from_millis(5),
        delivered_after: Duration::from_millis(20),
        read_after: Duration::from_millis(20),
        retry: RetryPolicy {
            first_retry: Duration::from_millis(10),
            multiplier: 2,
            max_interval: Duration::from_millis(50),
            max_attempts: 5,
        },
        request_timeout: Duration::from_secs(2),
        ..DeliverySettings::default()
    }
}

/// A running sandbox (Meta side only) and its state, for moving the clock and
/// publishing the events the Graph side would publish.
pub(crate) struct Sandbox {
    pub(crate) base: String,
    pub(crate) state: SandboxState,
    /// Follows no redirects, so tests see the dialog's 302s.
    pub(crate) http: reqwest::Client,
    tasks: Vec<JoinHandle<()>>,
}

impl Sandbox {
    pub(crate) async fn spawn() -> Self {
        Self::spawn_with(fast_settings()).await
    }

    pub(crate) async fn spawn_with(settings: DeliverySettings) -> Self {
        let (events, receiver) = EventBus::new();
        let state = SandboxState::new(events);
        register_seed_tokens(&state);
        let app = Router::new().merge(oauth::router()).merge(webhooks::router()).with_state(state.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind sandbox");
        let base = format!("http://{}", listener.local_addr().expect("sandbox address"));
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("sandbox server");
        });
        let deliverer = webhooks::spawn_deliverer(state.clone(), receiver, settings);
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .expect("test client");
        Self { base, state, http, tasks: vec![server, deliverer] }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Points the demo app's webhooks at `receiver` through the control endpoint (with the handshake).
    pub(crate) async fn configure_webhook(&self, receiver: &Receiver) {
        let response = self
            .http
            .post(self.url("/__sandbox/webhooks"))
            .json(&serde_json::json!({ "callback_url": receiver.url, "verify_token": receiver.verify_token }))
            .send()
            .await
            .expect("configure webhook");
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap_or_default());
    }

    /// Registers a token as the Graph side's seeding or a test scenario would.
    pub(crate) fn insert_token(&self, token: &str, info: TokenInfo) {
        self.state.tokens().insert(token.into(), info);
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// The demo system-user token, as the Graph side's seed registers it.
fn register_seed_tokens(state: &SandboxState) {
    state.tokens().insert(
        DEMO_ACCESS_TOKEN.into(),
        TokenInfo {
            kind: TokenKind::SystemUser,
            app_id: DEMO_APP_ID.into(),
            user_id: DEMO_SYSTEM_USER_ID.into(),
            scopes: vec!["whatsapp_business_management".into(), "whatsapp_business_messaging".into()],
            waba_ids: vec![DEMO_WABA_ID.into()],
            issued_at: state.clock().unix(),
            expires_at: None,
        },
    );
}

/// The demo app's literal app token.
pub(crate) fn app_token() -> String {
    format!("{DEMO_APP_ID}|{DEMO_APP_SECRET}")
}

/// One POST the receiver got, with the status it answered.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) answered: StatusCode,
}

impl Received {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("webhook body is JSON")
    }

    /// Checks `X-Hub-Signature-256` with ring's HMAC, independent of the sandbox's `hmac` crate.
    pub(crate) fn assert_signed_with(&self, secret: &str) {
        let header = self.headers.get("x-hub-signature-256").expect("signature header").to_str().expect("ascii");
        let hex_digest = header.strip_prefix("sha256=").expect("sha256= prefix");
        assert_eq!(hex_digest.len(), 64);
        assert!(hex_digest.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)), "lowercase hex");
        let tag = hex::decode(hex_digest).expect("hex");
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
        ring::hmac::verify(&key, &self.body, &tag).expect("signature matches the raw body");
    }
}

#[derive(Clone)]
struct ReceiverState {
    verify_token: String,
    fail_first: usize,
    posts: Arc<AtomicUsize>,
    sender: mpsc::UnboundedSender<Received>,
}

/// A webhook receiver that answers the handshake like a well-behaved gateway, fails its
/// first `fail_first` POSTs with 500, and reports every POST.
pub(crate) struct Receiver {
    pub(crate) url: String,
    pub(crate) verify_token: String,
    received: mpsc::UnboundedReceiver<Received>,
    task: JoinHandle<()>,
}

impl Receiver {
    pub(crate) async fn spawn(verify_token: &str) -> Self {
        Self::spawn_failing(verify_token, 0).await
    }

    pub(crate) async fn spawn_failing(verify_token: &str, fail_first: usize) -> Self {
        let (sender, received) = mpsc::unbounded_channel();
        let state = ReceiverState {
            verify_token: verify_token.into(),
            fail_first,
            posts: Arc::new(AtomicUsize::new(0)),
            sender,
        };
        let app = Router::new().route("/webhook", get(handshake).post(notification)).with_state(state);
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind receiver");
        let url = format!("http://{}/webhook", listener.local_addr().expect("receiver address"));
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("receiver server");
        });
        Self { url, verify_token: verify_token.into(), received, task }
    }

    /// The next POST, or a panic after [`WAIT`].
    pub(crate) async fn next(&mut self) -> Received {
        tokio::time::timeout(WAIT, self.received.recv())
            .await
            .expect("a webhook within the wait")
            .expect("receiver still running")
    }

    /// The next `count` POSTs the receiver accepted (answered 200).
    pub(crate) async fn next_accepted(&mut self, count: usize) -> Vec<Received> {
        let mut accepted = Vec::new();
        while accepted.len() < count {
            let received = self.next().await;
            if received.answered == StatusCode::OK {
                accepted.push(received);
            }
        }
        accepted
    }

    /// Asserts that nothing arrives for `quiet`: the only way to observe an absence.
    pub(crate) async fn assert_nothing_within(&mut self, quiet: Duration) {
        if let Ok(Some(received)) = tokio::time::timeout(quiet, self.received.recv()).await {
            panic!("unexpected webhook: {}", String::from_utf8_lossy(&received.body));
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(serde::Deserialize)]
struct HubParams {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
    #[serde(rename = "hub.verify_token")]
    verify_token: Option<String>,
}

async fn handshake(State(state): State<ReceiverState>, Query(params): Query<HubParams>) -> (StatusCode, String) {
    match (params.mode.as_deref(), params.verify_token, params.challenge) {
        (Some("subscribe"), Some(token), Some(challenge)) if token == state.verify_token => (StatusCode::OK, challenge),
        _ => (StatusCode::FORBIDDEN, "forbidden".into()),
    }
}

async fn notification(State(state): State<ReceiverState>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let count = state.posts.fetch_add(1, Ordering::SeqCst);
    let answered = if count < state.fail_first { StatusCode::INTERNAL_SERVER_ERROR } else { StatusCode::OK };
    let _ = state.sender.send(Received { headers, body, answered });
    answered
}

/// The hidden inputs and the preselected asset of the consent page's form, as a browser would submit them.
pub(crate) fn consent_form_fields(html: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    for input in html.split("<input ").skip(1) {
        let name = attribute(input, "name").expect("input name");
        let value = attribute(input, "value").unwrap_or_default();
        fields.push((name, value));
    }
    if let Some(select) = html.split("<select ").nth(1) {
        let name = attribute(select, "name").expect("select name");
        let first_option = select.split("<option ").nth(1).expect("an option");
        fields.push((name, attribute(first_option, "value").expect("option value")));
    }
    fields
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let tag = &tag[..tag.find('>')?];
    let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
    let end = start + tag[start..].find('"')?;
    Some(
        tag[start..end]
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&#x27;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

/// The query parameters of a URL (the dialog's redirect target).
pub(crate) fn query_of(location: &str) -> std::collections::HashMap<String, String> {
    let url = url::Url::parse(location).expect("absolute redirect");
    url.query_pairs().into_owned().collect()
}
