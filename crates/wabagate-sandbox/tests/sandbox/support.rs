//! A sandbox per test, a client, and assertions on Graph's error body.

use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::Value;
use wabagate_sandbox::{SandboxConfig, SandboxHandle};

pub(crate) struct Sandbox {
    pub(crate) handle: SandboxHandle,
    pub(crate) client: reqwest::Client,
    pub(crate) base: String,
    pub(crate) token: String,
    pub(crate) phone: String,
    pub(crate) waba: String,
}

/// A status and a parsed JSON body.
pub(crate) type Answer = (StatusCode, Value);

impl Sandbox {
    pub(crate) async fn start() -> Self {
        Self::start_with(SandboxConfig::default()).await
    }

    pub(crate) async fn start_with(config: SandboxConfig) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binding port 0");
        let handle = wabagate_sandbox::spawn(config, listener).await.expect("spawning the sandbox");
        let demo = handle.demo().clone();
        Self {
            base: handle.base_url(),
            client: reqwest::Client::new(),
            token: demo.access_token,
            phone: demo.phone_number_id,
            waba: demo.waba_id,
            handle,
        }
    }

    pub(crate) fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, format!("{}{path}", self.base)).bearer_auth(&self.token)
    }

    pub(crate) async fn answer(request: RequestBuilder) -> Answer {
        let response = request.send().await.expect("the sandbox answers");
        let status = response.status();
        let text = response.text().await.expect("a body");
        let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("a JSON body, got {status}: {text}"));
        (status, body)
    }

    pub(crate) async fn get(&self, path: &str) -> Answer {
        Self::answer(self.request(Method::GET, path)).await
    }

    pub(crate) async fn delete(&self, path: &str) -> Answer {
        Self::answer(self.request(Method::DELETE, path)).await
    }

    pub(crate) async fn post(&self, path: &str, body: Value) -> Answer {
        Self::answer(self.request(Method::POST, path).json(&body)).await
    }

    /// `POST /v23.0/{demo phone}/messages`.
    pub(crate) async fn send(&self, body: Value) -> Answer {
        self.post(&format!("/v23.0/{}/messages", self.phone), body).await
    }

    /// Moves the sandbox clock forward through the control API.
    pub(crate) async fn advance(&self, seconds: u64) {
        let (status, _) = Self::answer(
            self.request(Method::POST, "/__sandbox/clock/advance").json(&serde_json::json!({"seconds": seconds})),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }

    /// The accepted sends "Meta" recorded.
    pub(crate) async fn accepted(&self) -> Vec<Value> {
        let (_, body) = self.get("/__sandbox/messages").await;
        body["data"].as_array().cloned().unwrap_or_default()
    }

    /// A user token of the demo app with the given scopes (and expiry in seconds).
    pub(crate) async fn token(&self, scopes: &[&str], waba_ids: Option<Vec<&str>>, expires_in: Option<i64>) -> String {
        let (_, body) = self
            .post(
                "/__sandbox/tokens",
                serde_json::json!({"scopes": scopes, "waba_ids": waba_ids, "expires_in": expires_in}),
            )
            .await;
        body["access_token"].as_str().expect("a token").to_owned()
    }
}

/// The parts of a Graph error a user sees, without the random `fbtrace_id`.
#[derive(Debug, PartialEq)]
pub(crate) struct Expected<'a> {
    pub(crate) status: u16,
    pub(crate) code: u64,
    pub(crate) subcode: Option<u64>,
    pub(crate) kind: &'a str,
    pub(crate) message: &'a str,
}

/// Asserts an exact Graph error and returns its `error_data.details` (if any).
pub(crate) fn assert_error(answer: &Answer, expected: Expected<'_>) -> Option<String> {
    let (status, body) = answer;
    let error = &body["error"];
    let actual = Expected {
        status: status.as_u16(),
        code: error["code"].as_u64().unwrap_or_default(),
        subcode: error["error_subcode"].as_u64(),
        kind: error["type"].as_str().unwrap_or_default(),
        message: error["message"].as_str().unwrap_or_default(),
    };
    assert_eq!(actual, expected, "full body: {body}");
    assert!(error["fbtrace_id"].as_str().is_some_and(|id| id.len() >= 20), "fbtrace_id in {body}");
    error["error_data"]["details"].as_str().map(str::to_owned)
}

pub(crate) fn oauth(status: u16, code: u64, message: &str) -> Expected<'_> {
    Expected { status, code, subcode: None, kind: "OAuthException", message }
}
