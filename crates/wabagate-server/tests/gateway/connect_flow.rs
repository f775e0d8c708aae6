//! The browser connect flow, driven over plain HTTP exactly as a browser would (open the
//! connect link, press Connect, submit Meta's dialog form, follow the redirect), against the
//! sandbox as Meta.

use std::time::Duration;

use serde_json::{Value, json};
use url::Url;
use wabagate_sandbox::{SandboxConfig, SandboxHandle};
use wabagate_server::config::MetaApp;

use crate::support::{Options, TestApp, assert_gateway_error};

/// A gateway whose upstream and OAuth dialog are a fresh sandbox.
pub(crate) struct Connectable {
    pub(crate) sandbox: SandboxHandle,
    pub(crate) app: TestApp,
    pub(crate) key: String,
    /// A client that does not follow redirects, to see each step.
    pub(crate) browser: reqwest::Client,
}

impl Connectable {
    pub(crate) async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub(crate) async fn start_with(adjust: impl FnOnce(&mut Options)) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sandbox = wabagate_sandbox::spawn(SandboxConfig::default(), listener).await.unwrap();
        let base = Url::parse(&sandbox.base_url()).unwrap();
        let demo = sandbox.demo().clone();
        let mut options = Options::new(&base);
        options.meta_app = Some(MetaApp {
            app_id: demo.app_id,
            app_secret: demo.app_secret,
            config_id: None,
            oauth_base: base.clone(),
        });
        adjust(&mut options);
        let app = TestApp::spawn_with(options).await;
        let (_, key) = app.account_with_key("acme").await;
        let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Self { sandbox, app, key, browser }
    }

    pub(crate) async fn create_connection(&self) -> Value {
        self.app.create_connection(&self.key).await
    }

    pub(crate) async fn connection(&self, id: &str) -> Value {
        self.app.connection(&self.key, id).await
    }

    /// `POST /connections/{id}/reconnect` and the `connection` it answers.
    pub(crate) async fn reconnect(&self, id: &str) -> Value {
        let answer = self.app.post(&format!("/connections/{id}/reconnect"), &self.key).send().await.unwrap();
        assert_eq!(answer.status(), 200);
        answer.json::<Value>().await.unwrap()["connection"].clone()
    }

    /// Opens the connect page, presses its Connect button and returns where it leads (Meta's
    /// dialog).
    pub(crate) async fn open_connect_page(&self, url: &str) -> String {
        let page = self.browser.get(url).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains("Connect WhatsApp Business") && html.contains("acme"), "{html}");
        assert!(html.contains(r#"<form method="post" action="connect">"#), "{html}");
        let pressed = self.press_connect(url).await;
        assert_eq!(pressed.status(), 303, "{}", pressed.text().await.unwrap());
        pressed.headers()["location"].to_str().unwrap().to_owned()
    }

    /// Submits the connect page's form (`POST connect`, the link's token), as its Connect
    /// button does; `open_connect_page` checks the page really has that form.
    pub(crate) async fn press_connect(&self, url: &str) -> reqwest::Response {
        let link = Url::parse(url).unwrap();
        let session_token =
            link.query_pairs().find(|(name, _)| name == "session_token").map(|(_, value)| value.into_owned()).unwrap();
        let action = link.join("connect").unwrap();
        self.browser.post(action).form(&[("session_token", session_token)]).send().await.unwrap()
    }

    /// Shows Meta's dialog, presses `decision` (continue or cancel) and returns where Meta
    /// sends the browser back to.
    pub(crate) async fn answer_dialog(&self, dialog_url: &str, decision: &str) -> String {
        let dialog = self.browser.get(dialog_url).send().await.unwrap();
        assert_eq!(dialog.status(), 200);
        let html = dialog.text().await.unwrap();
        let action = attribute_after(&html, r#"<form method="post" action=""#).replace("&amp;", "&");
        let mut fields: Vec<(String, String)> = hidden_inputs(&html);
        if let Some(start) = html.find("<option value=\"") {
            fields.push(("asset".into(), attribute_after(&html[start..], "<option value=\"").replace("&amp;", "&")));
        }
        fields.push(("decision".into(), decision.into()));
        let action = Url::parse(dialog_url).unwrap().join(&action).unwrap();
        let answer = self.browser.post(action).form(&fields).send().await.unwrap();
        assert_eq!(answer.status(), 302, "{}", answer.text().await.unwrap());
        let location = answer.headers()["location"].to_str().unwrap().to_owned();
        location.split('#').next().unwrap().to_owned()
    }

    /// Goes all the way through: connect page → dialog → Continue → callback.
    pub(crate) async fn connect(&self, url: &str) -> reqwest::Response {
        let dialog = self.open_connect_page(url).await;
        let callback = self.answer_dialog(&dialog, "continue").await;
        self.browser.get(callback).send().await.unwrap()
    }

    pub(crate) async fn send_hello(&self, phone_number_id: &str) -> reqwest::Response {
        self.app
            .post(&format!("/whatsapp-business/v21.0/{phone_number_id}/messages"), &self.key)
            .json(&json!({"messaging_product": "whatsapp", "to": "1234567890", "type": "text", "text": {"body": "hi"}}))
            .send()
            .await
            .unwrap()
    }

    pub(crate) async fn advance_sandbox_clock(&self, seconds: u64) {
        self.sandbox.state().clock().advance(seconds);
    }
}

fn attribute_after(html: &str, marker: &str) -> String {
    let start = html.find(marker).unwrap_or_else(|| panic!("{marker} not in {html}")) + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

fn hidden_inputs(html: &str) -> Vec<(String, String)> {
    html.split(r#"<input type="hidden" name=""#)
        .skip(1)
        .map(|rest| {
            let name = rest.split('"').next().unwrap().to_owned();
            let value = attribute_after(rest, r#"value=""#).replace("&amp;", "&").replace("&quot;", "\"");
            (name, value)
        })
        .collect()
}

#[tokio::test]
async fn a_business_connects_through_the_dialog_and_the_connection_carries_messages() {
    let flow = Connectable::start().await;
    let pending = flow.create_connection().await;
    assert_eq!(pending["status"], "PENDING");
    let url = pending["url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/connect?session_token=", flow.app.base_url)), "{url}");

    let done = flow.connect(url).await;
    assert_eq!(done.status(), 200);
    let html = done.text().await.unwrap();
    assert!(html.contains("WhatsApp Business connected"), "{html}");

    let id = pending["connection_id"].as_str().unwrap();
    let connection = flow.connection(id).await;
    assert_eq!(connection["status"], "ACTIVE", "{connection}");
    let demo = flow.sandbox.demo();
    assert_eq!(connection["metadata"]["waba_ids"], json!([demo.waba_id]));
    let numbers: Vec<&str> =
        connection["metadata"]["phone_numbers"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap()).collect();
    assert!(numbers.contains(&demo.phone_number_id.as_str()), "{connection}");
    assert!(connection["metadata"]["scopes"].as_array().unwrap().contains(&json!("whatsapp_business_messaging")));
    assert!(connection["metadata"]["token_expires_at"].is_string(), "a user token expires: {connection}");

    let sent = flow.send_hello(&demo.phone_number_id).await;
    assert_eq!(sent.status(), 200);
    let body: Value = sent.json().await.unwrap();
    assert!(body["messages"][0]["id"].as_str().unwrap().starts_with("wamid."));
}

/// The same link on another instance: instances behind one load balancer share one public URL,
/// and any of them may take any step.
fn on_instance(instance: &TestApp, url: &str) -> String {
    let mut url = Url::parse(url).unwrap();
    url.set_port(Url::parse(&instance.base_url).unwrap().port()).unwrap();
    url.to_string()
}

#[tokio::test]
async fn a_connect_flow_started_on_one_instance_completes_on_the_others() {
    let flow = Connectable::start().await;
    let sandbox = Url::parse(&flow.sandbox.base_url()).unwrap();
    let public_url = Url::parse(&flow.app.base_url).unwrap();
    let mut others = Vec::new();
    for _ in 0..2 {
        let options = Options {
            public_url: Some(public_url.clone()),
            meta_app: flow.app.state.config().meta_app.clone(),
            ..flow.app.beside(&sandbox)
        };
        others.push(TestApp::spawn_with(options).await);
    }
    let (second, third) = (&others[0], &others[1]);

    // The link is made on the first, its page opened and Connect pressed on the second, and
    // Meta's callback lands on the third: the flow's state is in the shared database.
    let pending = flow.create_connection().await;
    let id = pending["connection_id"].as_str().unwrap();
    let dialog = flow.open_connect_page(&on_instance(second, pending["url"].as_str().unwrap())).await;
    let callback = flow.answer_dialog(&dialog, "continue").await;
    assert!(callback.starts_with(public_url.as_str()), "Meta calls back the public URL: {callback}");
    let done = flow.browser.get(on_instance(third, &callback)).send().await.unwrap();
    assert_eq!(done.status(), 200);
    assert!(done.text().await.unwrap().contains("WhatsApp Business connected"));

    let connection = second.connection(&flow.key, id).await;
    assert_eq!(connection["status"], "ACTIVE", "{connection}");
    let phone_number_id = &flow.sandbox.demo().phone_number_id;
    let sent = third
        .post(&format!("/whatsapp-business/v21.0/{phone_number_id}/messages"), &flow.key)
        .json(&json!({"messaging_product": "whatsapp", "to": "1234567890", "type": "text", "text": {"body": "hi"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200, "{}", sent.text().await.unwrap());
}

#[tokio::test]
async fn cancelling_at_the_dialog_fails_the_connection_with_the_reason() {
    let flow = Connectable::start().await;
    let pending = flow.create_connection().await;
    let dialog = flow.open_connect_page(pending["url"].as_str().unwrap()).await;
    let callback = flow.answer_dialog(&dialog, "cancel").await;
    assert!(callback.contains("error=access_denied"), "{callback}");
    let page = flow.browser.get(callback).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("You did not connect WhatsApp Business"), "{html}");

    let connection = flow.connection(pending["connection_id"].as_str().unwrap()).await;
    assert_eq!(connection["status"], "FAILED");
    assert_eq!(connection["metadata"]["error"]["reason"], "access_denied");
}

#[tokio::test]
async fn a_connect_link_survives_previews_and_works_once_connect_is_pressed() {
    let flow = Connectable::start().await;
    let pending = flow.create_connection().await;
    let url = pending["url"].as_str().unwrap();
    // A chat app's link preview, then the business: both only look.
    for _ in 0..2 {
        let page = flow.browser.get(url).send().await.unwrap();
        assert_eq!(page.status(), 200);
        assert!(page.text().await.unwrap().contains(r#"id="connect""#));
    }
    flow.open_connect_page(url).await;

    let again = flow.browser.get(url).send().await.unwrap();
    assert_eq!(again.status(), 409);
    assert!(again.text().await.unwrap().contains("already used"));
    let pressed_again = flow.press_connect(url).await;
    assert_eq!(pressed_again.status(), 409);
    let unknown = flow.browser.get(flow.app.url("/connect?session_token=made-up")).send().await.unwrap();
    assert_eq!(unknown.status(), 404);
    let id = pending["connection_id"].as_str().unwrap();
    assert_eq!(flow.connection(id).await["status"], "PENDING");
}

#[tokio::test]
async fn connect_pressed_from_another_site_is_refused_and_leaves_the_link_usable() {
    let flow = Connectable::start().await;
    let pending = flow.create_connection().await;
    let url = pending["url"].as_str().unwrap();
    let token = url.split("session_token=").nth(1).unwrap();
    let forged = flow
        .browser
        .post(flow.app.url("/connect"))
        .header("origin", "https://evil.example")
        .form(&[("session_token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert!(forged.text().await.unwrap().contains("another site"));
    let fetched_cross_site = flow
        .browser
        .post(flow.app.url("/connect"))
        .header("sec-fetch-site", "cross-site")
        .header("origin", &flow.app.base_url)
        .form(&[("session_token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(fetched_cross_site.status(), 403, "Sec-Fetch-Site is believed over Origin");
    let ours = flow
        .browser
        .post(flow.app.url("/connect"))
        .header("origin", &flow.app.base_url)
        .form(&[("session_token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(ours.status(), 303, "a press from the gateway's own page goes on to Meta");
}

#[tokio::test]
async fn a_new_link_ends_the_old_one_even_midway_through_meta_s_dialog() {
    let flow = Connectable::start().await;
    let pending = flow.create_connection().await;
    let id = pending["connection_id"].as_str().unwrap();
    let first = pending["url"].as_str().unwrap();
    let second = flow.reconnect(id).await["url"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    let old = flow.browser.get(first).send().await.unwrap();
    assert_eq!(old.status(), 410);
    assert!(old.text().await.unwrap().contains("replaced"));
    assert_eq!(flow.press_connect(first).await.status(), 410);

    // The second link is in Meta's dialog when a third is issued: its answer no longer counts.
    let dialog = flow.open_connect_page(&second).await;
    let callback = flow.answer_dialog(&dialog, "continue").await;
    let third = flow.reconnect(id).await["url"].as_str().unwrap().to_owned();
    let late = flow.browser.get(&callback).send().await.unwrap();
    assert_eq!(late.status(), 410);
    assert!(late.text().await.unwrap().contains("replaced"));
    assert_eq!(flow.connection(id).await["status"], "PENDING");

    assert_eq!(flow.connect(&third).await.status(), 200);
    assert_eq!(flow.connection(id).await["status"], "ACTIVE");
}

#[tokio::test]
async fn a_cancelled_reconnect_leaves_an_active_connection_active_and_usable() {
    let flow = Connectable::start().await;
    let pending = flow.create_connection().await;
    let id = pending["connection_id"].as_str().unwrap();
    assert_eq!(flow.connect(pending["url"].as_str().unwrap()).await.status(), 200);
    let phone = flow.sandbox.demo().phone_number_id.clone();

    let reconnecting = flow.reconnect(id).await;
    assert_eq!(reconnecting["status"], "ACTIVE", "a reconnect link changes nothing until it is used");
    let dialog = flow.open_connect_page(reconnecting["url"].as_str().unwrap()).await;
    let callback = flow.answer_dialog(&dialog, "cancel").await;
    let page = flow.browser.get(callback).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("You did not connect WhatsApp Business"), "{html}");
    assert!(html.contains("existing connection is unchanged") && !html.contains("Nothing was stored"), "{html}");

    let connection = flow.connection(id).await;
    assert_eq!(connection["status"], "ACTIVE", "{connection}");
    assert_eq!(connection["metadata"]["last_reconnect_error"]["reason"], "access_denied", "{connection}");
    assert!(connection["metadata"].get("error").is_none(), "{connection}");
    assert_eq!(flow.send_hello(&phone).await.status(), 200, "its token still carries messages");
}

#[tokio::test]
async fn a_forged_or_replayed_state_is_refused_and_changes_nothing() {
    let flow = Connectable::start().await;
    let pending = flow.create_connection().await;
    let dialog = flow.open_connect_page(pending["url"].as_str().unwrap()).await;
    let callback = flow.answer_dialog(&dialog, "continue").await;

    let mut forged = Url::parse(&callback).unwrap();
    let pairs: Vec<(String, String)> = forged
        .query_pairs()
        .map(|(name, value)| {
            let value = if name == "state" { format!("{value}x") } else { value.into_owned() };
            (name.into_owned(), value)
        })
        .collect();
    forged.query_pairs_mut().clear().extend_pairs(pairs);
    let refused = flow.browser.get(forged).send().await.unwrap();
    assert_eq!(refused.status(), 400);
    assert!(refused.text().await.unwrap().contains("may have been forged"));
    let id = pending["connection_id"].as_str().unwrap();
    assert_eq!(flow.connection(id).await["status"], "PENDING", "a forged state changes nothing");

    assert_eq!(flow.browser.get(&callback).send().await.unwrap().status(), 200);
    let replayed = flow.browser.get(&callback).send().await.unwrap();
    assert_eq!(replayed.status(), 409);
    assert_eq!(flow.connection(id).await["status"], "ACTIVE");
}

#[tokio::test]
async fn an_expired_token_turns_the_connection_expired_and_reconnect_revives_the_same_id() {
    let flow = Connectable::start().await;
    let pending = flow.create_connection().await;
    let id = pending["connection_id"].as_str().unwrap().to_owned();
    flow.connect(pending["url"].as_str().unwrap()).await;
    let phone = flow.sandbox.demo().phone_number_id.clone();
    assert_eq!(flow.send_hello(&phone).await.status(), 200);

    // Past the long-lived token's 60 days: Meta answers 190 / 463.
    flow.advance_sandbox_clock(61 * 24 * 60 * 60).await;
    let rejected = flow.send_hello(&phone).await;
    assert_eq!(rejected.headers()["wabagate-connection-status"], "EXPIRED");
    let body: Value = rejected.json().await.unwrap();
    assert_eq!(
        (body["error"]["code"].as_i64(), body["error"]["error_subcode"].as_i64()),
        (Some(190), Some(463)),
        "{body}"
    );
    let expired = flow.connection(&id).await;
    assert_eq!(expired["status"], "EXPIRED");
    assert_eq!(expired["metadata"]["error"]["reason"], "token_rejected");

    let next = flow.send_hello(&phone).await;
    let message = assert_gateway_error(next, 400, "connection_not_active").await;
    assert!(message.contains("is EXPIRED") && message.contains(&format!("/connections/{id}/reconnect")), "{message}");
    let named = flow
        .app
        .post(&format!("/whatsapp-business/v21.0/{phone}/messages"), &flow.key)
        .header("Maton-Connection", &id)
        .send()
        .await
        .unwrap();
    let message = assert_gateway_error(named, 400, "connection_not_active").await;
    assert!(message.contains("EXPIRED") && message.contains("reconnect"), "{message}");

    let reconnected: Value =
        flow.app.post(&format!("/connections/{id}/reconnect"), &flow.key).send().await.unwrap().json().await.unwrap();
    let new_url = reconnected["connection"]["url"].as_str().unwrap();
    assert_ne!(new_url, pending["url"].as_str().unwrap());
    assert_eq!(reconnected["connection"]["connection_id"], id.as_str());
    assert_eq!(flow.connect(new_url).await.status(), 200);
    assert_eq!(flow.connection(&id).await["status"], "ACTIVE");
    assert_eq!(flow.send_hello(&phone).await.status(), 200);
}

#[tokio::test]
async fn a_connection_whose_token_expiry_passes_is_marked_expired_by_the_watcher() {
    let flow = Connectable::start_with(|options| options.expiry_check_interval = Duration::from_millis(50)).await;
    let account = flow.app.store.find_account("acme").await.unwrap();
    let pending = flow
        .app
        .store
        .create_connection(account.account_id, "whatsapp-business", Duration::from_secs(60))
        .await
        .unwrap();
    let already_past = wabagate_store::Timestamp::from_unix_micros(wabagate_store::Timestamp::now().unix_micros() - 1);
    flow.app
        .store
        .activate_connection(
            pending.connection_id,
            &wabagate_store::AccessToken::new("EAAGold"),
            json!({}),
            Some(already_past),
        )
        .await
        .unwrap();
    let id = pending.connection_id.to_string();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while flow.connection(&id).await["status"] != "EXPIRED" {
        assert!(std::time::Instant::now() < deadline, "the watcher never marked the connection EXPIRED");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn without_a_meta_app_no_link_is_handed_out_and_an_old_one_says_connecting_is_not_set_up() {
    let flow = Connectable::start_with(|options| options.meta_app = None).await;
    let refused = flow.app.post("/connections", &flow.key).json(&json!({"app": "whatsapp-business"})).send().await;
    let message = assert_gateway_error(refused.unwrap(), 400, "connect_not_configured").await;
    assert!(message.contains("--meta-app-id"), "{message}");

    // A link issued while the gateway had a Meta app.
    let account = flow.app.store.find_account("acme").await.unwrap();
    let pending = flow
        .app
        .store
        .create_connection(account.account_id, "whatsapp-business", Duration::from_secs(60))
        .await
        .unwrap();
    let reconnect = flow.app.post(&format!("/connections/{}/reconnect", pending.connection_id), &flow.key).send();
    assert_gateway_error(reconnect.await.unwrap(), 400, "connect_not_configured").await;
    let url = format!("{}/connect?session_token={}", flow.app.base_url, pending.connect_token.unwrap().expose());
    let page = flow.browser.get(url).send().await.unwrap();
    assert_eq!(page.status(), 503);
    assert!(page.text().await.unwrap().contains("not set up"));
}

#[tokio::test]
async fn embedded_signup_with_a_configuration_connects_with_a_token_that_never_expires() {
    let flow = Connectable::start_with(|options| {
        if let Some(app) = options.meta_app.as_mut() {
            app.config_id = Some(wabagate_sandbox::seed::DEMO_CONFIG_ID.to_owned());
        }
    })
    .await;
    let pending = flow.create_connection().await;
    let dialog = flow.open_connect_page(pending["url"].as_str().unwrap()).await;
    let dialog_url = Url::parse(&dialog).unwrap();
    let asked: Vec<(String, String)> =
        dialog_url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    assert!(asked.contains(&("config_id".into(), wabagate_sandbox::seed::DEMO_CONFIG_ID.into())), "{dialog}");
    assert!(!asked.iter().any(|(name, _)| name == "scope"), "a configuration replaces scopes: {dialog}");

    let callback = flow.answer_dialog(&dialog, "continue").await;
    assert_eq!(flow.browser.get(callback).send().await.unwrap().status(), 200);
    let connection = flow.connection(pending["connection_id"].as_str().unwrap()).await;
    assert_eq!(connection["status"], "ACTIVE", "{connection}");
    assert_eq!(connection["metadata"]["token_expires_at"], Value::Null, "a system-user token never expires");
    assert_eq!(flow.send_hello(&flow.sandbox.demo().phone_number_id).await.status(), 200);
}

#[tokio::test]
async fn a_failed_code_exchange_leaves_the_connection_failed_with_nothing_stored() {
    let flow = Connectable::start_with(|options| {
        if let Some(app) = options.meta_app.as_mut() {
            app.app_secret = "not-the-app-secret".to_owned();
        }
    })
    .await;
    let pending = flow.create_connection().await;
    let page = flow.connect(pending["url"].as_str().unwrap()).await;
    assert_eq!(page.status(), 502);
    let html = page.text().await.unwrap();
    assert!(html.contains("Connecting failed") && html.contains("Error validating client secret"), "{html}");

    let failed = flow.connection(pending["connection_id"].as_str().unwrap()).await;
    assert_eq!(failed["status"], "FAILED");
    assert_eq!(failed["metadata"]["error"]["reason"], "code_exchange_failed");
    assert!(failed["metadata"].get("phone_numbers").is_none(), "nothing half-stored: {failed}");
    let account = flow.app.store.find_account("acme").await.unwrap();
    let stored = flow.app.store.gateway_connections(account.account_id).await.unwrap();
    assert!(stored.iter().all(|connection| connection.token.is_none()), "no token was stored");
}

#[tokio::test]
async fn an_expired_connect_link_is_refused() {
    let flow = Connectable::start_with(|_| {}).await;
    let account = flow.app.store.find_account("acme").await.unwrap();
    let pending = flow
        .app
        .store
        .create_connection(account.account_id, "whatsapp-business", Duration::from_millis(1))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let url = format!("{}/connect?session_token={}", flow.app.base_url, pending.connect_token.unwrap().expose());
    let page = flow.browser.get(url).send().await.unwrap();
    assert_eq!(page.status(), 410);
    assert!(page.text().await.unwrap().contains("has expired"));
}
