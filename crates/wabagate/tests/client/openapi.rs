//! The OpenAPI description (`crates/wabagate-server/openapi.json`, served at
//! `/openapi.json`) against a real `serve --demo`: every documented operation is driven, each
//! answer must be one the description lists and fit its schema, and every route the server's
//! router registers (read from its source) must be described, and the other way round. An
//! event stream is read only as far as its first event.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::support::DemoGateway;

const DESCRIPTION: &str = include_str!("../../../wabagate-server/openapi.json");

/// The description, and the operations driven so far.
struct Contract {
    spec: Value,
    driven: BTreeSet<(String, String)>,
}

impl Contract {
    fn new() -> Self {
        Self { spec: serde_json::from_str(DESCRIPTION).unwrap(), driven: BTreeSet::new() }
    }

    /// Checks `response` against the operation `method path` (a template of the
    /// description) and answers its body.
    async fn check(&mut self, method: &str, path: &str, response: reqwest::Response) -> String {
        let status = response.status().as_u16().to_string();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|value| value.to_str().unwrap().split(';').next().unwrap().trim().to_owned())
            .unwrap_or_default();
        let body = if content_type == "text/event-stream" {
            first_event(response).await
        } else {
            response.text().await.unwrap()
        };
        let pointer = format!("/paths/{}/{method}/responses", path.replace('/', "~1"));
        let responses = self.spec.pointer(&pointer).unwrap_or_else(|| panic!("{method} {path} is not described"));
        let documented = responses
            .get(&status)
            .or_else(|| responses.get("default"))
            .unwrap_or_else(|| panic!("{method} {path} answered {status}, which is not described: {body}"));
        let documented = self.resolve(documented);
        if let Some(content) = documented.get("content").and_then(Value::as_object) {
            let (media_type, media) = content
                .iter()
                .find(|(media_type, _)| *media_type == &content_type || *media_type == "*/*")
                .unwrap_or_else(|| panic!("{method} {path} {status} answered {content_type:?}, described {content:?}"));
            if media_type == "application/json" {
                let instance: Value = serde_json::from_str(&body)
                    .unwrap_or_else(|error| panic!("{method} {path} {status}: not JSON ({error}): {body}"));
                let problems = self.validate(&media["schema"], &instance);
                assert!(
                    problems.is_empty(),
                    "{method} {path} {status} answered {body}\nwhich breaks:\n{}",
                    problems.join("\n")
                );
            } else if let Some(exact) = media.pointer("/schema/const").and_then(Value::as_str) {
                assert_eq!(body, exact, "{method} {path} {status}");
            }
        }
        self.driven.insert((path.to_owned(), method.to_owned()));
        body
    }

    fn resolve<'a>(&'a self, object: &'a Value) -> &'a Value {
        match object.get("$ref").and_then(Value::as_str) {
            Some(reference) => self.spec.pointer(reference.trim_start_matches('#')).unwrap(),
            None => object,
        }
    }

    fn validate(&self, schema: &Value, instance: &Value) -> Vec<String> {
        let document = json!({"allOf": [schema], "components": self.spec["components"]});
        let validator =
            jsonschema::draft202012::new(&document).unwrap_or_else(|error| panic!("a valid schema: {error}"));
        validator.iter_errors(instance).map(|error| format!("{}: {error}", error.instance_path())).collect()
    }

    /// Every operation of the description, as (path, method).
    fn operations(&self) -> BTreeSet<(String, String)> {
        let mut operations = BTreeSet::new();
        for (path, item) in self.spec["paths"].as_object().unwrap() {
            for method in ["get", "post", "delete", "put", "patch"] {
                if item.get(method).is_some() {
                    operations.insert((path.clone(), method.to_owned()));
                }
            }
        }
        operations
    }
}

/// What an endless Server-Sent Events answer sends up to its first blank line (5 s at most).
async fn first_event(mut response: reqwest::Response) -> String {
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !text.contains("\n\n") {
        let chunk = tokio::time::timeout_at(deadline, response.chunk()).await.expect("an event within 5 s");
        text.push_str(std::str::from_utf8(&chunk.unwrap().expect("the stream stays open")).unwrap());
    }
    text
}

/// A webhook endpoint on 127.0.0.1:0 that takes every delivery; its task ends with the test.
async fn endpoint() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let app = axum::Router::new().route("/hook", axum::routing::post(|| async { "thanks" }));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

/// Percent-encodes one path segment (wamids hold `+`, `/` and `=`).
fn segment(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Polls `GET path` until it answers 200 (5 s at most): webhooks arrive on their own time.
async fn once_there(gateway: &DemoGateway, http: &reqwest::Client, path: &str) -> reqwest::Response {
    for _ in 0..50 {
        let response = http.get(format!("{}{path}", gateway.base_url)).bearer_auth(&gateway.api_key).send().await;
        let response = response.unwrap();
        if response.status() == 200 {
            return response;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{path} never answered 200");
}

#[tokio::test]
async fn every_operation_answers_as_the_openapi_description_says() {
    // Webhook endpoints here are on loopback, over http.
    let gateway = DemoGateway::start_with(&["--webhook-allow-http", "--webhook-allow-private"]).await;
    let mut contract = Contract::new();
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let url = |path: &str| format!("{}{path}", gateway.base_url);
    let key = gateway.api_key.as_str();
    let get = |path: &str| http.get(url(path)).bearer_auth(key);
    let post = |path: &str| http.post(url(path)).bearer_auth(key);

    let served: Value =
        contract.check("get", "/openapi.json", get("/openapi.json").send().await.unwrap()).await.parse().unwrap();
    assert_eq!(served, contract.spec, "the server serves the committed file");
    contract.check("get", "/healthz", http.get(url("/healthz")).send().await.unwrap()).await;
    contract.check("get", "/readyz", http.get(url("/readyz")).send().await.unwrap()).await;
    contract.check("get", "/metrics", http.get(url("/metrics")).send().await.unwrap()).await;

    // Connections, and the errors every client meets first.
    contract.check("get", "/connections", http.get(url("/connections")).send().await.unwrap()).await;
    contract
        .check("get", "/connections", get("/connections?status=ACTIVE&tag.tenant=acme").send().await.unwrap())
        .await;
    contract.check("get", "/connections", get("/connections?status=bogus").send().await.unwrap()).await;
    let created = post("/connections")
        .json(&json!({"app": "whatsapp-business", "tags": {"tenant": "acme"}, "end_user_id": "acme-42"}));
    let created: Value = contract.check("post", "/connections", created.send().await.unwrap()).await.parse().unwrap();
    contract
        .check("post", "/connections", post("/connections").json(&json!({"app": "telegram"})).send().await.unwrap())
        .await;
    let id = created["connection"]["connection_id"].as_str().unwrap();
    let one = "/connections/{connection_id}";
    contract.check("get", one, get(&format!("/connections/{}", gateway.connection_id)).send().await.unwrap()).await;
    contract.check("get", one, get("/connections/not-a-uuid").send().await.unwrap()).await;
    contract.check("get", one, get("/connections/21fd90f9-5935-43cd-b6c8-bde9d915ca80").send().await.unwrap()).await;
    let reconnected = post(&format!("/connections/{id}/reconnect")).send().await.unwrap();
    let reconnected: Value =
        contract.check("post", "/connections/{connection_id}/reconnect", reconnected).await.parse().unwrap();

    // The connect pages, as the business's browser sees them.
    let link = url::Url::parse(reconnected["connection"]["url"].as_str().unwrap()).unwrap();
    let token = link.query_pairs().find(|(name, _)| name == "session_token").unwrap().1.into_owned();
    contract.check("get", "/connect", http.get(link.as_str()).send().await.unwrap()).await;
    let pressed = http.post(url("/connect")).form(&[("session_token", &token)]).send().await.unwrap();
    assert_eq!(pressed.status(), 303);
    contract.check("post", "/connect", pressed).await;
    contract
        .check("get", "/oauth/callback", http.get(url("/oauth/callback?state=forged&code=x")).send().await.unwrap())
        .await;
    contract
        .check("delete", one, http.delete(url(&format!("/connections/{id}"))).bearer_auth(key).send().await.unwrap())
        .await;

    // Meta's side.
    let handshake = http.get(url("/meta/webhooks?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1"));
    contract.check("get", "/meta/webhooks", handshake.send().await.unwrap()).await;
    contract.check("post", "/meta/webhooks", http.post(url("/meta/webhooks")).body("{}").send().await.unwrap()).await;

    // The pass-through, media in one call and media links.
    let graph = "/whatsapp-business/{graph_path}";
    let number = &gateway.phone_number_id;
    contract.check("get", graph, get(&format!("/whatsapp-business/v21.0/{number}")).send().await.unwrap()).await;
    contract.check("get", "/whatsapp-business", get("/whatsapp-business").send().await.unwrap()).await;
    let photo = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/photo.jpg")).unwrap();
    let form = Form::new()
        .text("messaging_product", "whatsapp")
        .part("file", Part::bytes(photo).file_name("photo.jpg").mime_str("image/jpeg").unwrap());
    let uploaded = post(&format!("/whatsapp-business/v21.0/{number}/media")).multipart(form).send().await.unwrap();
    let uploaded: Value = contract.check("post", graph, uploaded).await.parse().unwrap();
    let media_id = uploaded["id"].as_str().unwrap();
    let content = get(&format!("/whatsapp-business/media/{media_id}/content")).send().await.unwrap();
    contract.check("get", "/whatsapp-business/media/{media_id}/content", content).await;
    let looked_up: Value =
        get(&format!("/whatsapp-business/v21.0/{media_id}")).send().await.unwrap().json().await.unwrap();
    let media_link = http.get(looked_up["url"].as_str().unwrap()).bearer_auth(key).send().await.unwrap();
    contract.check("get", "/whatsapp-business/media/link/{reference}", media_link).await;
    let deleted = http.delete(url(&format!("/whatsapp-business/v21.0/{media_id}"))).bearer_auth(key).send().await;
    contract.check("delete", graph, deleted.unwrap()).await;

    // The ledger: a send, and a customer who writes with a photo.
    let text = json!({"messaging_product": "whatsapp", "to": "1234567890", "type": "text", "text": {"body": "hi"}});
    let sent: Value = post(&format!("/whatsapp-business/v21.0/{number}/messages"))
        .json(&text)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sent_wamid = sent["messages"][0]["id"].as_str().unwrap();
    let inbound = json!({"from": "1234567890", "profile_name": "Ana", "message": {"type": "image", "image": {"caption": "look"}}});
    let injected: Value = http
        .post(format!("{}/__sandbox/inbound", gateway.sandbox_url))
        .json(&inbound)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let inbound_wamid = injected["id"].as_str().unwrap();
    let message = "/messages/{wamid}";
    contract
        .check("get", message, once_there(&gateway, &http, &format!("/messages/{}", segment(sent_wamid))).await)
        .await;
    contract
        .check("get", message, once_there(&gateway, &http, &format!("/messages/{}", segment(inbound_wamid))).await)
        .await;
    contract.check("get", message, get("/messages/wamid.unknown").send().await.unwrap()).await;
    let media = once_there(&gateway, &http, &format!("/messages/{}/media", segment(inbound_wamid))).await;
    contract.check("get", "/messages/{wamid}/media", media).await;
    contract.check("get", "/messages", get("/messages?direction=outbound&limit=1").send().await.unwrap()).await;
    contract.check("get", "/messages", get("/messages?limit=1000").send().await.unwrap()).await;
    contract.check("get", "/conversations", get("/conversations").send().await.unwrap()).await;
    let thread = get(&format!("/conversations/{number}/1234567890")).send().await.unwrap();
    contract.check("get", "/conversations/{phone_number_id}/{wa_id}", thread).await;
    let synced = post("/templates/sync").json(&json!({"waba_id": gateway.waba_id})).send().await.unwrap();
    contract.check("post", "/templates/sync", synced).await;
    contract.check("post", "/templates/sync", post("/templates/sync").json(&json!({})).send().await.unwrap()).await;
    let templates: Value =
        contract.check("get", "/templates", get("/templates").send().await.unwrap()).await.parse().unwrap();
    assert!(!templates["templates"].as_array().unwrap().is_empty(), "the sync filled the mirror: {templates}");
    contract.check("get", "/templates", get("/templates?waba_id=1").send().await.unwrap()).await;

    // Outbound events: a subscription, its test event's delivery, replays, and the stream.
    let subscription = json!({"url": endpoint().await, "events": ["webhook.test"], "description": "bot"});
    let created = post("/webhooks").json(&subscription).send().await.unwrap();
    let created: Value = contract.check("post", "/webhooks", created).await.parse().unwrap();
    assert!(created["webhook"]["secret"].as_str().unwrap().starts_with("whsec_"), "{created}");
    let refused = post("/webhooks").json(&json!({"url": "http://127.0.0.1/hook"})).send().await.unwrap();
    contract.check("post", "/webhooks", refused).await;
    contract.check("get", "/webhooks", get("/webhooks").send().await.unwrap()).await;
    let webhook = format!("/webhooks/{}", created["webhook"]["id"].as_str().unwrap());
    let one = "/webhooks/{id}";
    contract.check("get", one, get(&webhook).send().await.unwrap()).await;
    contract.check("get", one, get("/webhooks/not-a-uuid").send().await.unwrap()).await;
    let patch = |body: Value| http.patch(url(&webhook)).bearer_auth(key).json(&body).send();
    contract
        .check("patch", one, patch(json!({"phone_number_ids": [number], "description": null})).await.unwrap())
        .await;
    contract.check("patch", one, patch(json!({"status": "paused"})).await.unwrap()).await;
    let rotated = post(&format!("{webhook}/rotate-secret")).send().await.unwrap();
    contract.check("post", "/webhooks/{id}/rotate-secret", rotated).await;
    let tested = post(&format!("{webhook}/test")).send().await.unwrap();
    contract.check("post", "/webhooks/{id}/test", tested).await;
    let deliveries = format!("{webhook}/deliveries");
    let mut log = Value::Null;
    for _ in 0..50 {
        log = get(&deliveries).send().await.unwrap().json().await.unwrap();
        if log["deliveries"][0]["status"] == "delivered" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(log["deliveries"][0]["status"], "delivered", "the test event was delivered: {log}");
    contract.check("get", "/webhooks/{id}/deliveries", get(&deliveries).send().await.unwrap()).await;
    let filtered = get(&format!("{deliveries}?status=bogus")).send().await.unwrap();
    contract.check("get", "/webhooks/{id}/deliveries", filtered).await;
    let replay_one = "/webhooks/{id}/deliveries/{delivery_id}/replay";
    let delivery_id = log["deliveries"][0]["id"].as_str().unwrap();
    let replayed = post(&format!("{deliveries}/{delivery_id}/replay")).send().await.unwrap();
    contract.check("post", replay_one, replayed).await;
    let unknown = post(&format!("{deliveries}/21fd90f9-5935-43cd-b6c8-bde9d915ca80/replay")).send().await.unwrap();
    contract.check("post", replay_one, unknown).await;
    let replay = |body: Value| post(&format!("{webhook}/replay")).json(&body).send();
    contract.check("post", "/webhooks/{id}/replay", replay(json!({"status": ["delivered"]})).await.unwrap()).await;
    contract.check("post", "/webhooks/{id}/replay", replay(json!({"since": "yesterday"})).await.unwrap()).await;
    // Open (the head is sent at once), then publish one more test event for it to read.
    let stream = get("/events/stream").send().await.unwrap();
    assert_eq!(post(&format!("{webhook}/test")).send().await.unwrap().status(), 202);
    let first = contract.check("get", "/events/stream", stream).await;
    assert!(first.contains("event: ") && first.contains("data: {"), "{first:?}");
    let narrowed = get("/events/stream?events=message.sideways").send().await.unwrap();
    contract.check("get", "/events/stream", narrowed).await;
    contract.check("delete", one, http.delete(url(&webhook)).bearer_auth(key).send().await.unwrap()).await;

    let undriven: Vec<_> = contract.operations().difference(&contract.driven).cloned().collect();
    assert!(undriven.is_empty(), "described but not driven here: {undriven:?}");
}

/// The server's source files, as (path, text).
fn server_sources() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, sources: &mut Vec<(PathBuf, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, sources);
            } else if path.extension().is_some_and(|extension| extension == "rs") {
                sources.push((path.clone(), std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    let mut sources = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../wabagate-server/src"), &mut sources);
    sources
}

/// Every `gateway_code` the server can answer: the arms of `ApiError::gateway_code` and the
/// first argument of each `bad_request(…)` / `invalid(…)` call.
fn gateway_codes_in_the_source() -> BTreeSet<String> {
    let mut codes = BTreeSet::new();
    for (path, source) in server_sources() {
        if path.ends_with("error.rs") {
            let arms = source.split("fn gateway_code(").nth(1).unwrap().split("\n    }\n").next().unwrap();
            codes.extend(arms.lines().filter_map(|arm| Some(arm.split("=> \"").nth(1)?.split('"').next()?.to_owned())));
        }
        for call in ["bad_request(", "invalid("] {
            for after in source.split(call).skip(1) {
                if let Some(literal) = after.trim_start().strip_prefix('"') {
                    codes.insert(literal.split('"').next().unwrap().to_owned());
                }
            }
        }
    }
    codes
}

#[test]
fn every_gateway_code_the_server_answers_is_described() {
    let contract = Contract::new();
    let described: BTreeSet<String> = contract
        .spec
        .pointer("/components/schemas/Error/properties/error/properties/gateway_code/enum")
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|code| code.as_str().unwrap().to_owned())
        .collect();
    let answered = gateway_codes_in_the_source();
    assert!(answered.len() >= 30, "the codes were read: {answered:?}");
    let undescribed: Vec<_> = answered.difference(&described).collect();
    assert!(undescribed.is_empty(), "gateway codes missing from openapi.json: {undescribed:?}");
    let unanswered: Vec<_> = described.difference(&answered).collect();
    assert!(unanswered.is_empty(), "gateway codes described but never answered: {unanswered:?}");
}

/// The router's routes, read from the server's source: `.route("PATH", …)` calls, with the
/// methods their line names (`get(…)`, `.post(…)`, …; the pass-through's `graph_methods()`).
fn registered_routes() -> Vec<(String, Vec<&'static str>)> {
    let mut routes = Vec::new();
    for (_, source) in server_sources() {
        for call in source.split(".route(\"").skip(1) {
            let (route, rest) = call.split_once('"').unwrap();
            let handlers = rest.lines().next().unwrap();
            let mut methods = Vec::new();
            for method in ["get", "post", "delete"] {
                if handlers.contains(&format!("{method}(")) || handlers.contains("graph_methods()") {
                    methods.push(method);
                }
            }
            let route = route.replace("{*", "{");
            let route = if route.len() > 1 { route.trim_end_matches('/').to_owned() } else { route };
            routes.push((route, methods));
        }
    }
    routes
}

#[test]
fn every_route_the_router_serves_is_described_and_every_described_path_is_served() {
    let contract = Contract::new();
    let described = contract.operations();
    let routes = registered_routes();
    assert!(routes.len() >= 20, "the router's source was read: {routes:?}");
    for (route, methods) in &routes {
        assert!(contract.spec["paths"].get(route).is_some(), "{route} is served but not in openapi.json");
        for method in methods {
            assert!(
                described.contains(&(route.clone(), (*method).to_owned())),
                "{method} {route} is served but not described"
            );
        }
    }
    let served: BTreeSet<&str> = routes.iter().map(|(route, _)| route.as_str()).collect();
    for (path, _) in &described {
        assert!(served.contains(path.as_str()), "{path} is described but no route serves it");
    }
}
