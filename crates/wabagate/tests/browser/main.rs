//! The connect flow in a real headless Chromium (Debian's `chromium` and `chromium-driver`,
//! installed by `.ci/run`), against the real `wabagate serve` with the sandbox as Meta.
//! Screenshots of every page land in `$CARGO_TARGET_TMPDIR/browser/`.
//!
//! Without chromedriver on the machine the tests say so and pass, except under CI, where
//! they fail: CI installs it, so its absence there is a broken setup, not a choice.

#![allow(unreachable_pub, dead_code, reason = "the support module is shared with the cli tests")]

#[path = "../cli/support.rs"]
mod support;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use support::{Demo, Process};
use tokio::process::{Child, Command};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// A headless Chromium driven through its own chromedriver, both gone when dropped.
struct Browser {
    client: Client,
    _driver: Child,
    _profile: tempfile::TempDir,
    shots: PathBuf,
}

impl Browser {
    /// `None` (after saying why) when this machine has no Chromium and this is not CI.
    async fn start(test: &str) -> Option<Self> {
        if !std::path::Path::new(CHROMEDRIVER).exists() || !std::path::Path::new(CHROMIUM).exists() {
            assert!(
                std::env::var("CI").is_err(),
                "CI must install Debian's chromium and chromium-driver (see .ci/run)"
            );
            eprintln!("skipping {test}: install Debian's chromium and chromium-driver to run browser tests");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let profile = tempfile::tempdir().unwrap();
        // The flags keep Chromium off the network (this machine has none) and fit a root container.
        let capabilities = json!({
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--window-size=1000,900",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        });
        let capabilities = match capabilities {
            Value::Object(map) => map,
            _ => unreachable!(),
        };
        let webdriver = format!("http://127.0.0.1:{port}");
        let client = connect_when_ready(&webdriver, capabilities).await;
        let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser").join(test);
        std::fs::create_dir_all(&shots).unwrap();
        Some(Self { client, _driver: driver, _profile: profile, shots })
    }

    async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(self.shots.join(format!("{name}.png")), png).unwrap();
    }

    async fn text_of(&self, css: &str) -> String {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    async fn click(&self, css: &str) {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
}

async fn connect_when_ready(webdriver: &str, capabilities: serde_json::Map<String, Value>) -> Client {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector).capabilities(capabilities.clone()).connect(webdriver).await {
            Ok(client) => return client,
            Err(error) if std::time::Instant::now() < deadline => {
                let _ = error;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(error) => panic!("chromedriver did not start: {error}"),
        }
    }
}

/// A gateway serving the demo, and its API.
struct Gateway {
    process: Process,
    demo: Demo,
    api: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Gateway {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let process = Process::serve(dir.path(), &["--demo"]).await;
        let demo = Demo::read(dir.path());
        Self { process, demo, api: reqwest::Client::new(), _dir: dir }
    }

    async fn create_connection(&self) -> Value {
        let created: Value = self
            .api
            .post(self.process.url("/connections"))
            .bearer_auth(&self.demo.api_key)
            .json(&json!({"app": "whatsapp-business"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        created["connection"].clone()
    }

    async fn connection(&self, id: &str) -> Value {
        let fetched: Value = self
            .api
            .get(self.process.url(&format!("/connections/{id}")))
            .bearer_auth(&self.demo.api_key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        fetched["connection"].clone()
    }
}

#[tokio::test]
async fn a_business_connects_in_the_browser_and_then_messages_flow_through_the_connection() {
    let Some(browser) = Browser::start("connect").await else { return };
    let gateway = Gateway::start().await;
    let connection = gateway.create_connection().await;
    let id = connection["connection_id"].as_str().unwrap();

    browser.client.goto(connection["url"].as_str().unwrap()).await.unwrap();
    assert_eq!(browser.text_of("#title").await, "Connect WhatsApp Business");
    assert_eq!(browser.text_of("#account").await, "demo");
    browser.screenshot("1-connect-page").await;

    browser.click("#connect").await;
    browser.text_of("#continue").await;
    browser.screenshot("2-meta-dialog").await;
    browser.click("#continue").await;

    assert_eq!(browser.text_of("#title").await, "WhatsApp Business connected");
    assert!(browser.text_of("#phone-numbers").await.contains("+1 555-010-0001"));
    browser.screenshot("3-connected").await;

    let connected = gateway.connection(id).await;
    assert_eq!(connected["status"], "ACTIVE", "{connected}");
    let phone_number_id = connected["metadata"]["phone_numbers"][0]["id"].as_str().unwrap().to_owned();
    let sent = gateway
        .api
        .post(gateway.process.url(&format!("/whatsapp-business/v21.0/{phone_number_id}/messages")))
        .bearer_auth(&gateway.demo.api_key)
        .header("Maton-Connection", id)
        .json(&support::hello_text())
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200);
    let sent: Value = sent.json().await.unwrap();
    assert!(sent["messages"][0]["id"].as_str().unwrap().starts_with("wamid."), "{sent}");
    browser.client.close().await.unwrap();
}

#[tokio::test]
async fn cancelling_in_the_browser_fails_the_connection() {
    let Some(browser) = Browser::start("cancel").await else { return };
    let gateway = Gateway::start().await;
    let connection = gateway.create_connection().await;

    browser.client.goto(connection["url"].as_str().unwrap()).await.unwrap();
    browser.click("#connect").await;
    browser.click("#cancel").await;
    assert_eq!(browser.text_of("#title").await, "You did not connect WhatsApp Business");
    browser.screenshot("cancelled").await;

    let failed = gateway.connection(connection["connection_id"].as_str().unwrap()).await;
    assert_eq!(failed["status"], "FAILED");
    assert_eq!(failed["metadata"]["error"]["reason"], "access_denied");
    browser.client.close().await.unwrap();
}

#[tokio::test]
async fn a_connect_link_opens_again_until_connect_is_pressed_and_then_is_used() {
    let Some(browser) = Browser::start("reused-link").await else { return };
    let gateway = Gateway::start().await;
    let connection = gateway.create_connection().await;
    let url = connection["url"].as_str().unwrap();

    // A link preview (or a second look) does not use the link.
    browser.client.goto(url).await.unwrap();
    assert_eq!(browser.text_of("#title").await, "Connect WhatsApp Business");
    browser.client.goto(url).await.unwrap();
    assert_eq!(browser.text_of("#title").await, "Connect WhatsApp Business");
    browser.click("#connect").await;
    browser.text_of("#continue").await;

    browser.client.goto(url).await.unwrap();
    assert_eq!(browser.text_of("#title").await, "This connect link was already used");
    browser.screenshot("after-connect").await;
    browser.client.close().await.unwrap();
}

#[tokio::test]
async fn a_tampered_state_is_refused() {
    let Some(browser) = Browser::start("tampered-state").await else { return };
    let gateway = Gateway::start().await;
    let connection = gateway.create_connection().await;

    browser.client.goto(connection["url"].as_str().unwrap()).await.unwrap();
    browser.click("#connect").await;
    browser.text_of("#continue").await;
    let dialog = browser.client.current_url().await.unwrap();
    let mut tampered = dialog.clone();
    let pairs: Vec<(String, String)> = tampered
        .query_pairs()
        .map(|(name, value)| {
            let value = if name == "state" { format!("{value}tampered") } else { value.into_owned() };
            (name.into_owned(), value)
        })
        .collect();
    tampered.query_pairs_mut().clear().extend_pairs(pairs);
    browser.client.goto(tampered.as_str()).await.unwrap();
    browser.click("#continue").await;
    assert_eq!(browser.text_of("#title").await, "This sign-in answer is not valid");
    browser.screenshot("refused").await;

    let untouched = gateway.connection(connection["connection_id"].as_str().unwrap()).await;
    assert_eq!(untouched["status"], "PENDING");
    browser.client.close().await.unwrap();
}

#[tokio::test]
async fn a_cancelled_reconnect_tells_the_business_the_connection_still_works() {
    let Some(browser) = Browser::start("cancelled-reconnect").await else { return };
    let gateway = Gateway::start().await;
    let id = gateway.demo.connection_id.clone();
    let reconnected: Value = gateway
        .api
        .post(gateway.process.url(&format!("/connections/{id}/reconnect")))
        .bearer_auth(&gateway.demo.api_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    browser.client.goto(reconnected["connection"]["url"].as_str().unwrap()).await.unwrap();
    browser.click("#connect").await;
    browser.click("#cancel").await;
    assert_eq!(browser.text_of("#title").await, "You did not connect WhatsApp Business");
    assert!(browser.text_of("#next-step").await.contains("existing connection is unchanged"));
    browser.screenshot("cancelled-reconnect").await;

    let still = gateway.connection(&id).await;
    assert_eq!(still["status"], "ACTIVE", "{still}");
    assert_eq!(still["metadata"]["last_reconnect_error"]["reason"], "access_denied");
    browser.client.close().await.unwrap();
}

#[tokio::test]
async fn connections_create_open_wait_returns_once_the_business_connected_in_the_browser() {
    let Some(browser) = Browser::start("cli-wait").await else { return };
    let gateway = Gateway::start().await;
    // `--open` runs $BROWSER with the URL; this one hands it to the Chromium driven here.
    let scratch = tempfile::tempdir().unwrap();
    let opened = scratch.path().join("opened-url");
    let opener = scratch.path().join("open-in-test-browser");
    std::fs::write(&opener, format!("#!/bin/sh\nprintf '%s' \"$1\" > {}.tmp && mv {0}.tmp {0}\n", opened.display()))
        .unwrap();
    #[cfg(unix)]
    std::fs::set_permissions(&opener, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();

    let cli = support::wabagate()
        .args(["connections", "create", "--open", "--wait", "--timeout", "60"])
        .env("WABAGATE_URL", &gateway.process.base_url)
        .env("WABAGATE_API_KEY", &gateway.demo.api_key)
        .env("BROWSER", &opener)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !opened.exists() {
        assert!(std::time::Instant::now() < deadline, "the CLI never opened the connect URL");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let url = std::fs::read_to_string(&opened).unwrap();
    browser.client.goto(&url).await.unwrap();
    browser.click("#connect").await;
    browser.click("#continue").await;
    assert_eq!(browser.text_of("#title").await, "WhatsApp Business connected");

    let output = tokio::time::timeout(Duration::from_secs(30), cli.wait_with_output()).await.unwrap().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("Open this URL to connect") && stdout.contains("is ACTIVE."), "{stdout}");
    browser.client.close().await.unwrap();
}
