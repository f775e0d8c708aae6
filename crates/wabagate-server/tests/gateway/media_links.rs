//! Media through the gateway with only the API key: a media lookup's `url` becomes a gateway
//! link that serves the upstream's bytes unchanged, for its account only, for a short while.

use std::time::Duration;

use serde_json::Value;
use sha2::{Digest, Sha256};
use url::Url;
use wabagate_sandbox::{SandboxConfig, SandboxHandle};

use crate::support::{Options, TestApp, assert_gateway_error};

struct MediaSetup {
    sandbox: SandboxHandle,
    app: TestApp,
    key: String,
    phone_number_id: String,
}

impl MediaSetup {
    async fn start(adjust: impl FnOnce(&mut Options)) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sandbox = wabagate_sandbox::spawn(SandboxConfig::default(), listener).await.unwrap();
        let mut options = Options::new(&Url::parse(&sandbox.base_url()).unwrap());
        adjust(&mut options);
        let app = TestApp::spawn_with(options).await;
        let demo = sandbox.demo().clone();
        let (account, key) = app.account_with_key("acme").await;
        app.active_connection_with_token(&account, &[&demo.phone_number_id], &demo.access_token).await;
        Self { sandbox, app, key, phone_number_id: demo.phone_number_id }
    }

    /// Uploads a file through the gateway and returns its media id.
    async fn upload(&self, mime: &str, file_name: &str, bytes: Vec<u8>) -> String {
        let file = reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned()).mime_str(mime).unwrap();
        let form = reqwest::multipart::Form::new()
            .text("messaging_product", "whatsapp")
            .text("type", mime.to_owned())
            .part("file", file);
        let path = format!("/whatsapp-business/v21.0/{}/media", self.phone_number_id);
        let response = self.app.post(&path, &self.key).multipart(form).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let uploaded: Value = response.json().await.unwrap();
        uploaded["id"].as_str().unwrap().to_owned()
    }

    /// `GET /{media-id}` through the gateway, as a Graph client asks for a media URL.
    async fn look_up(&self, media_id: &str) -> Value {
        let response = self.app.get(&format!("/whatsapp-business/v21.0/{media_id}"), &self.key).send().await.unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    async fn fetch(&self, url: &str, key: &str) -> reqwest::Response {
        self.app.client.get(url).bearer_auth(key).send().await.unwrap()
    }
}

fn png(size: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend((0..size).map(|index| (index * 7 % 256) as u8));
    bytes
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[tokio::test]
async fn an_image_and_a_20_mb_document_download_through_the_gateway_byte_for_byte_with_only_the_api_key() {
    let setup = MediaSetup::start(|_| {}).await;
    let image = png(50_000);
    let mut document = b"%PDF-1.7\n".to_vec();
    document.extend((0..20 * 1024 * 1024).map(|index: usize| (index % 251) as u8));
    for (mime, name, bytes) in [("image/png", "logo.png", image), ("application/pdf", "report.pdf", document)] {
        let media_id = setup.upload(mime, name, bytes.clone()).await;
        let answer = setup.look_up(&media_id).await;
        let url = answer["url"].as_str().unwrap();
        assert!(url.starts_with(&setup.app.url("/whatsapp-business/media/link/")), "{url}");
        assert!(
            !url.contains(&setup.sandbox.base_url()) && !url.contains("mid="),
            "the upstream URL stays hidden: {url}"
        );
        assert_eq!(answer["mime_type"], mime, "the other fields are Meta's: {answer}");
        assert_eq!(answer["sha256"], sha256_hex(&bytes));
        assert_eq!(answer["file_size"], bytes.len());
        assert_eq!(answer["id"], media_id.as_str());
        assert_eq!(answer["messaging_product"], "whatsapp");

        let download = setup.fetch(url, &setup.key).await;
        assert_eq!(download.status(), 200, "{name}");
        assert_eq!(download.headers()["content-type"], mime);
        assert!(download.headers().contains_key("x-request-id"));
        let downloaded = download.bytes().await.unwrap();
        assert_eq!(downloaded.len(), bytes.len(), "{name}");
        assert!(downloaded[..] == bytes[..], "{name} arrives byte-identical");
    }
}

#[tokio::test]
async fn a_media_link_works_only_for_its_own_account_and_unaltered() {
    let setup = MediaSetup::start(|_| {}).await;
    let media_id = setup.upload("image/png", "logo.png", png(1_000)).await;
    let url = setup.look_up(&media_id).await["url"].as_str().unwrap().to_owned();

    // Another account of the same gateway, even with a connection to the same business.
    let (other, other_key) = setup.app.account_with_key("globex").await;
    let demo = setup.sandbox.demo();
    setup.app.active_connection_with_token(&other, &[&setup.phone_number_id], &demo.access_token).await;
    let message = assert_gateway_error(setup.fetch(&url, &other_key).await, 404, "media_link_not_found").await;
    assert!(message.contains("Look the media up again"), "{message}");

    let last = url.len() - 1;
    let altered = format!("{}{}", &url[..last], if url.ends_with('A') { 'B' } else { 'A' });
    assert_gateway_error(setup.fetch(&altered, &setup.key).await, 404, "media_link_not_found").await;
    let forged = setup
        .app
        .url("/whatsapp-business/media/link/0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    assert_gateway_error(setup.fetch(&forged, &setup.key).await, 404, "media_link_not_found").await;
    let anonymous = setup.app.client.get(&url).send().await.unwrap();
    assert_gateway_error(anonymous, 401, "missing_api_key").await;

    assert_eq!(setup.fetch(&url, &setup.key).await.status(), 200, "the owner's link still works");
}

#[tokio::test]
async fn a_media_link_expires() {
    let setup = MediaSetup::start(|options| options.media_link_ttl = Some(Duration::ZERO)).await;
    let media_id = setup.upload("image/png", "logo.png", png(1_000)).await;
    let url = setup.look_up(&media_id).await["url"].as_str().unwrap().to_owned();
    let message = assert_gateway_error(setup.fetch(&url, &setup.key).await, 404, "media_link_not_found").await;
    assert!(message.contains("expired"), "{message}");
}

#[tokio::test]
async fn other_answers_of_numeric_nodes_pass_byte_for_byte() {
    let setup = MediaSetup::start(|_| {}).await;
    let path = format!("/v21.0/{}", setup.phone_number_id);
    let direct = setup
        .app
        .client
        .get(format!("{}{path}", setup.sandbox.base_url()))
        .bearer_auth(&setup.sandbox.demo().access_token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let proxied = setup.app.get(&format!("/whatsapp-business{path}"), &setup.key).send().await.unwrap();
    assert_eq!(proxied.status(), 200);
    assert_eq!(proxied.bytes().await.unwrap(), direct);
}
