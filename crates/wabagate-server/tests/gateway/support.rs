//! The test harness: a real gateway on 127.0.0.1:0 over a real SQLite file in a temp dir (a fresh
//! PostgreSQL database instead when `WABAGATE_TEST_DATABASE_URL` is set: `TestDatabase`),
//! in front of a real upstream over HTTP. `TestApp` methods read as what a user does.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use url::Url;
use uuid::Uuid;
use wabagate_server::config::ConnectionLimits;
use wabagate_server::{App, AppState, ServerConfig};
use wabagate_store::test_database::TestDatabase;
use wabagate_store::{AccessToken, Account, Keyring, Store};

pub const META_TOKEN: &str = "EAAGtestTokenThatMustNeverLeak0123456789";

/// What the echo upstream saw of one request.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path_and_query: String,
    pub headers: Vec<(String, String)>,
    pub body_len: u64,
    pub body_sha256: String,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }
}

/// A small upstream made for transparency tests. It streams bodies and never buffers them.
/// - `/slow/*` waits 5 s before answering;
/// - `/bytes/{n}` streams n bytes of a fixed pattern;
/// - `/graph-error/*` answers Meta's 400 error body with a custom header;
/// - `/refuse-early/*` answers 400 without reading the request body (hyper then closes);
/// - anything else answers 200 JSON describing the request (method, path, headers, body hash).
pub struct EchoUpstream {
    pub url: Url,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    task: JoinHandle<()>,
}

impl EchoUpstream {
    pub async fn start() -> Self {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let router = Router::new().fallback(any(echo)).with_state(seen.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Self { url, seen, task }
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for EchoUpstream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub fn pattern_byte(index: u64) -> u8 {
    (index % 251) as u8
}

async fn echo(State(seen): State<Arc<Mutex<Vec<Seen>>>>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    if let Some(count) = path.strip_prefix("/bytes/") {
        let count: u64 = count.parse().unwrap_or(0);
        let chunks = futures_util::stream::iter((0..count).step_by(64 * 1024)).map(move |start| {
            let end = (start + 64 * 1024).min(count);
            Ok::<_, std::io::Error>(bytes::Bytes::from((start..end).map(pattern_byte).collect::<Vec<u8>>()))
        });
        return ([("content-type", "application/octet-stream")], Body::from_stream(chunks)).into_response();
    }
    if path == "/v21.0/foreignmedia" {
        // A media lookup whose URL points at a host the upstream does not serve media from.
        return axum::Json(
            serde_json::json!({"url": "http://evil.example/steal", "mime_type": "image/jpeg", "id": "foreignmedia"}),
        )
        .into_response();
    }
    if path.starts_with("/refuse-early/") {
        let body = r#"{"error":{"message":"Unsupported post request.","type":"GraphMethodException","code":100}}"#;
        return (axum::http::StatusCode::BAD_REQUEST, [("content-type", "application/json")], body).into_response();
    }
    if path.starts_with("/slow/") {
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
    let method = request.method().to_string();
    let path_and_query = request.uri().path_and_query().map(|pq| pq.to_string()).unwrap_or_default();
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap_or("<binary>").to_owned()))
        .collect();
    let mut body = request.into_body().into_data_stream();
    let mut hasher = Sha256::new();
    let mut body_len = 0u64;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.unwrap();
        body_len += chunk.len() as u64;
        hasher.update(&chunk);
    }
    let record = Seen { method, path_and_query, headers, body_len, body_sha256: hex::encode(hasher.finalize()) };
    seen.lock().unwrap().push(record.clone());
    if path.starts_with("/graph-error/") {
        let body = r#"{"error":{"message":"(#131030) Recipient phone number not in allowed list","type":"OAuthException","code":131030,"fbtrace_id":"Abc123"}}"#;
        return (
            axum::http::StatusCode::BAD_REQUEST,
            [("content-type", "application/json"), ("x-fb-trace-id", "Abc123")],
            body,
        )
            .into_response();
    }
    axum::Json(serde_json::json!({
        "method": record.method,
        "path_and_query": record.path_and_query,
        "body_len": record.body_len,
        "body_sha256": record.body_sha256,
    }))
    .into_response()
}

/// A running gateway with its store, over a temp dir that lives as long as it does.
pub struct TestApp {
    pub base_url: String,
    pub addr: SocketAddr,
    pub store: Store,
    pub state: AppState,
    pub client: reqwest::Client,
    pub dir: Arc<tempfile::TempDir>,
    /// The store's database: SQLite in `dir`, or PostgreSQL when the run is on it.
    pub database: Arc<TestDatabase>,
    secret_key: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

pub struct Options {
    pub upstream: Url,
    pub rate_limit: u32,
    pub upstream_timeout: Duration,
    pub dir: Option<Arc<tempfile::TempDir>>,
    /// The database to reopen (a restart); a fresh one by default.
    pub database: Option<Arc<TestDatabase>>,
    pub secret_key: Option<String>,
    pub meta_app: Option<wabagate_server::config::MetaApp>,
    pub expiry_check_interval: Duration,
    pub connect_redirect_origins: Vec<String>,
    pub media_link_ttl: Option<Duration>,
    pub connections: Option<ConnectionLimits>,
    pub cache_ttl: Option<Duration>,
    pub cache_check_interval: Option<Duration>,
    pub webhooks: Option<wabagate_server::config::WebhookConfig>,
    pub clock: Option<wabagate_server::clock::SharedClock>,
    pub outbound: Option<wabagate_server::config::DestinationPolicy>,
    pub global_rate_limit: Option<wabagate_server::config::GlobalRateLimit>,
    /// The URL the gateway names itself by (links, OAuth callbacks); its own address unless set,
    /// as instances behind one load balancer share one.
    pub public_url: Option<Url>,
}

impl Options {
    pub fn new(upstream: &Url) -> Self {
        Self {
            upstream: upstream.clone(),
            rate_limit: 0,
            upstream_timeout: Duration::from_secs(10),
            dir: None,
            database: None,
            secret_key: None,
            // Some Meta app, so connections can be created; the connect tests set a real one.
            meta_app: Some(wabagate_server::config::MetaApp {
                app_id: "1000000000000001".to_owned(),
                app_secret: "test-app-secret".to_owned(),
                config_id: None,
                oauth_base: upstream.clone(),
            }),
            expiry_check_interval: Duration::from_secs(30),
            connect_redirect_origins: Vec::new(),
            media_link_ttl: None,
            connections: None,
            cache_ttl: None,
            cache_check_interval: None,
            webhooks: None,
            clock: None,
            outbound: None,
            global_rate_limit: None,
            public_url: None,
        }
    }
}

impl TestApp {
    pub async fn spawn(upstream: &Url) -> Self {
        Self::spawn_with(Options::new(upstream)).await
    }

    pub async fn spawn_with(options: Options) -> Self {
        let dir = options.dir.unwrap_or_else(|| Arc::new(tempfile::tempdir().unwrap()));
        let secret_key = options.secret_key.unwrap_or_else(|| hex::encode(rand::random::<[u8; 32]>()));
        let database = match options.database {
            Some(database) => database,
            None => Arc::new(TestDatabase::create(&dir.path().join("wabagate.db")).await),
        };
        let store = Store::open(database.url(), Keyring::from_hex(&secret_key, &[]).unwrap()).await.unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let base_url = format!("http://{addr}");
        let public_url = options.public_url.unwrap_or_else(|| Url::parse(&base_url).unwrap());
        let mut config = ServerConfig::new(public_url, options.upstream);
        config.rate_limit_per_second = options.rate_limit;
        config.upstream_timeout = options.upstream_timeout;
        config.shutdown_grace = Duration::from_secs(2);
        config.meta_app = options.meta_app;
        config.expiry_check_interval = options.expiry_check_interval;
        config.connect_redirect_origins = options.connect_redirect_origins;
        if let Some(ttl) = options.media_link_ttl {
            config.media_link_ttl = ttl;
        }
        config.connections = options.connections.unwrap_or(config.connections);
        config.cache_ttl = options.cache_ttl.unwrap_or(config.cache_ttl);
        config.cache_check_interval = options.cache_check_interval.unwrap_or(config.cache_check_interval);
        if let Some(webhooks) = options.webhooks {
            config.webhooks = webhooks;
        }
        if let Some(clock) = options.clock {
            config.clock = clock;
        }
        if let Some(outbound) = options.outbound {
            config.outbound = outbound;
        }
        config.global_rate_limit = options.global_rate_limit;
        let state = AppState::new(config, store.clone());
        let (shutdown, stop) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(App::new(listener, state.clone()).serve(async move {
            let _ = stop.await;
        }));
        Self {
            base_url,
            addr,
            store,
            state,
            client: reqwest::Client::new(),
            dir,
            database,
            secret_key,
            shutdown: Some(shutdown),
            task: Some(task),
        }
    }

    /// Options for another instance beside this one: the same database and master key, as
    /// several `serve` processes behind a load balancer share them.
    pub fn beside(&self, upstream: &Url) -> Options {
        Options {
            database: Some(self.database.clone()),
            secret_key: Some(self.secret_key.clone()),
            ..Options::new(upstream)
        }
    }

    /// Stops this gateway and starts a new one over the same data dir and master key.
    pub async fn restart(mut self) -> Self {
        let upstream = self.state.config().upstream.clone();
        self.stop().await;
        let options = Options {
            dir: Some(self.dir.clone()),
            database: Some(self.database.clone()),
            secret_key: Some(self.secret_key.clone()),
            ..Options::new(&upstream)
        };
        Self::spawn_with(options).await
    }

    pub async fn stop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
    }

    /// A new account and a live API key for it.
    pub async fn account_with_key(&self, name: &str) -> (Account, String) {
        let account = self.store.create_account(name).await.unwrap();
        let (_, key) = self.store.create_api_key(account.account_id).await.unwrap();
        (account, key.expose().to_owned())
    }

    /// An ACTIVE connection carrying [`META_TOKEN`], owning the given phone numbers.
    pub async fn active_connection(&self, account: &Account, phone_number_ids: &[&str]) -> Uuid {
        self.active_connection_with_token(account, phone_number_ids, META_TOKEN).await
    }

    pub async fn active_connection_with_token(
        &self,
        account: &Account,
        phone_number_ids: &[&str],
        token: &str,
    ) -> Uuid {
        let numbers: Vec<_> = phone_number_ids.iter().map(|id| serde_json::json!({"id": id})).collect();
        self.store
            .create_active_connection(
                account.account_id,
                "whatsapp-business",
                &AccessToken::new(token),
                serde_json::json!({"phone_numbers": numbers}),
            )
            .await
            .unwrap()
            .connection_id
    }

    /// `POST /connections {"app":"whatsapp-business"}` and the `connection` it answers.
    pub async fn create_connection(&self, key: &str) -> serde_json::Value {
        let created: serde_json::Value = self
            .post("/connections", key)
            .json(&serde_json::json!({"app": "whatsapp-business"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        created["connection"].clone()
    }

    /// `GET /connections/{id}` and the `connection` it answers.
    pub async fn connection(&self, key: &str, id: &str) -> serde_json::Value {
        let fetched: serde_json::Value =
            self.get(&format!("/connections/{id}"), key).send().await.unwrap().json().await.unwrap();
        fetched["connection"].clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub fn get(&self, path: &str, key: &str) -> reqwest::RequestBuilder {
        self.client.get(self.url(path)).bearer_auth(key)
    }

    pub fn post(&self, path: &str, key: &str) -> reqwest::RequestBuilder {
        self.client.post(self.url(path)).bearer_auth(key)
    }

    pub fn delete(&self, path: &str, key: &str) -> reqwest::RequestBuilder {
        self.client.delete(self.url(path)).bearer_auth(key)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// The value of one sample in the gateway's `/metrics`, 0 when absent.
pub async fn metric(app: &TestApp, sample: &str) -> f64 {
    let text = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    text.lines().find_map(|line| line.strip_prefix(sample)?.strip_prefix(' ')?.parse().ok()).unwrap_or(0.0)
}

/// An upstream that plays a script on each raw TCP connection, for answers no HTTP server
/// library would give (early, unfinished, or not HTTP at all).
pub struct ScriptedUpstream {
    pub url: Url,
    task: JoinHandle<()>,
}

impl ScriptedUpstream {
    /// `script` gets each accepted connection, once its request head has been read.
    pub async fn start<F, Fut>(script: F) -> Self
    where
        F: Fn(tokio::net::TcpStream) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
        let script = Arc::new(script);
        let task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let script = script.clone();
                tokio::spawn(async move {
                    read_head(&mut stream).await;
                    script(stream).await;
                });
            }
        });
        Self { url, task }
    }
}

impl Drop for ScriptedUpstream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads up to the end of a request head (`\r\n\r\n`), byte by byte (scripts are small).
pub async fn read_head(stream: &mut tokio::net::TcpStream) -> Vec<u8> {
    use tokio::io::AsyncReadExt;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    head
}

/// The gateway's own error body, checked whole but for the message.
pub async fn assert_gateway_error(response: reqwest::Response, status: u16, gateway_code: &str) -> String {
    assert_eq!(response.status().as_u16(), status, "status for {gateway_code}");
    assert!(response.headers().contains_key("x-request-id"), "every response carries X-Request-Id");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["type"], "WabagateError", "{body}");
    assert_eq!(body["error"]["code"], status, "{body}");
    assert_eq!(body["error"]["gateway_code"], gateway_code, "{body}");
    body["error"]["message"].as_str().unwrap().to_owned()
}
