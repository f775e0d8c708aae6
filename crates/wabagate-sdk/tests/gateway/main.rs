//! The SDK against the real thing: the sandbox as Meta, a real gateway on 127.0.0.1:0 over
//! a real SQLite file, the SDK speaking HTTP to it. What Meta received is read back from
//! the sandbox.

use serde_json::{Value, json};
use tokio::net::TcpListener;
use url::Url;
use wabagate_sandbox::seed::DEMO_ACCESS_TOKEN;
use wabagate_sandbox::{SandboxConfig, SandboxHandle};
use wabagate_sdk::{
    Client, ConnectionFilter, ConnectionStatus, Error, Media, MediaUpload, Message, NewConnection, ProfileUpdate,
    TemplateQuery, TemplateStatus, Vertical,
};
use wabagate_server::{App, AppState, ServerConfig};
use wabagate_store::{AccessToken, Keyring, Store};

struct Stack {
    sandbox: SandboxHandle,
    client: Client,
    phone_number_id: String,
    waba_id: String,
    _dir: tempfile::TempDir,
    _database: wabagate_store::test_database::TestDatabase,
    _gateway: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Stack {
    async fn start() -> Self {
        let sandbox =
            wabagate_sandbox::spawn(SandboxConfig::default(), TcpListener::bind("127.0.0.1:0").await.unwrap())
                .await
                .unwrap();
        let demo = sandbox.demo().clone();
        let dir = tempfile::tempdir().unwrap();
        let keyring = Keyring::from_hex(&hex::encode(rand::random::<[u8; 32]>()), &[]).unwrap();
        let database = wabagate_store::test_database::TestDatabase::create(&dir.path().join("wabagate.db")).await;
        let store = Store::open(database.url(), keyring).await.unwrap();
        let account = store.create_account("sdk").await.unwrap();
        let (_, key) = store.create_api_key(account.account_id).await.unwrap();
        let metadata = json!({"waba_ids": [demo.waba_id], "phone_numbers": [{"id": demo.phone_number_id}]});
        store
            .create_active_connection(
                account.account_id,
                "whatsapp-business",
                &AccessToken::new(DEMO_ACCESS_TOKEN),
                metadata,
            )
            .await
            .unwrap();

        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let mut config = ServerConfig::new(Url::parse(&base_url).unwrap(), Url::parse(&sandbox.base_url()).unwrap());
        config.rate_limit_per_second = 0;
        // A Meta app, so connections can be started (their links are not followed here).
        config.meta_app = Some(wabagate_server::config::MetaApp {
            app_id: wabagate_sandbox::seed::DEMO_APP_ID.to_owned(),
            app_secret: "sdk-test-app-secret".to_owned(),
            config_id: None,
            oauth_base: Url::parse(&sandbox.base_url()).unwrap(),
        });
        config.connect_redirect_origins = vec!["https://app.example.com".to_owned()];
        let gateway = tokio::spawn(App::new(listener, AppState::new(config, store)).serve(std::future::pending()));
        let client = Client::builder().base_url(base_url).api_key(key.expose()).build().unwrap();
        Self {
            client,
            phone_number_id: demo.phone_number_id,
            waba_id: demo.waba_id,
            sandbox,
            _dir: dir,
            _database: database,
            _gateway: gateway,
        }
    }

    /// The sends the sandbox accepted.
    async fn accepted(&self) -> Value {
        reqwest::get(format!("{}/__sandbox/messages", self.sandbox.base_url())).await.unwrap().json().await.unwrap()
    }
}

#[tokio::test]
async fn a_text_sent_through_the_sdk_reaches_the_sandbox() {
    let stack = Stack::start().await;
    let connection = stack.client.current_connection().await.unwrap().expect("an ACTIVE connection");
    assert_eq!(connection.single_phone_number_id(), Some(stack.phone_number_id.as_str()));

    let message = Message::text("1234567890", "Hello from the SDK").build().unwrap();
    let sent = stack.client.send(&stack.phone_number_id, &message).await.unwrap();
    let wamid = sent.message_id().unwrap().to_owned();
    assert!(wamid.starts_with("wamid."));
    let accepted = stack.accepted().await.to_string();
    assert!(accepted.contains(&wamid) && accepted.contains("Hello from the SDK"), "{accepted}");
}

#[tokio::test]
async fn a_broken_rule_fails_locally_and_nothing_is_sent() {
    let stack = Stack::start().await;
    let before = stack.sandbox.state().recorder().requests().len();
    let invalid = Message::text("+1234567890", "hi").build();
    assert!(matches!(invalid, Err(Error::Invalid(_))), "{invalid:?}");
    let too_long = Message::text("1234567890", "x".repeat(4097)).build();
    match too_long {
        Err(Error::Invalid(error)) => assert!(error.to_string().contains("4096"), "{error}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(stack.sandbox.state().recorder().requests().len(), before);
}

#[tokio::test]
async fn media_uploads_downloads_byte_for_byte_and_deletes() {
    let stack = Stack::start().await;
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend((0..300_000u32).map(|index| (index % 251) as u8));
    let upload = MediaUpload::from_reader(std::io::Cursor::new(png.clone()), png.len() as u64).mime_type("image/png");
    let uploaded = stack.client.upload_media(&stack.phone_number_id, upload).await.unwrap();
    let media_id = uploaded.value.id.clone();

    let info = stack.client.media_info(&media_id).await.unwrap();
    assert_eq!(info.value.mime_type, "image/png");
    let mut downloaded = Vec::new();
    let answer = stack.client.download_media_to(&media_id, None, &mut downloaded, None).await.unwrap();
    assert_eq!(answer.bytes, png.len() as u64);
    assert_eq!(downloaded, png);

    let image = Message::image("1234567890", Media::id(&media_id)).build().unwrap();
    assert!(stack.client.send(&stack.phone_number_id, &image).await.is_ok());
    stack.client.delete_media(&media_id).await.unwrap();
    assert!(matches!(stack.client.media_info(&media_id).await, Err(Error::Graph(_))));
}

#[tokio::test]
async fn templates_list_by_status_and_an_unknown_template_is_explained() {
    let stack = Stack::start().await;
    let query = TemplateQuery { status: Some(TemplateStatus::Approved), ..TemplateQuery::default() };
    let approved = stack.client.list_templates(&stack.waba_id, &query).await.unwrap();
    assert!(approved.items.iter().any(|template| template.name == "hello_world"));
    assert!(approved.items.iter().all(|template| template.status == "APPROVED"));

    let unknown = Message::template("1234567890", "no_such_template", "en_US").build().unwrap();
    match stack.client.send(&stack.phone_number_id, &unknown).await {
        Err(Error::Graph(error)) => assert_eq!(error.code, 132001, "{error:?}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_business_profile_is_updated_and_read_back() {
    let stack = Stack::start().await;
    let update = ProfileUpdate::new().about("Fresh bread daily").vertical(Vertical::Retail);
    stack.client.update_business_profile(&stack.phone_number_id, &update).await.unwrap();
    let profile = stack.client.business_profile(&stack.phone_number_id).await.unwrap();
    assert_eq!(profile.value.data[0].about.as_deref(), Some("Fresh bread daily"));
}

#[tokio::test]
async fn a_connection_carries_what_the_app_attached_and_is_found_by_its_tags() {
    let stack = Stack::start().await;
    let options = NewConnection {
        redirect_url: Some("https://app.example.com/connected".to_owned()),
        tags: [("tenant".to_owned(), "acme".to_owned())].into(),
        end_user_id: Some("acme-42".to_owned()),
        force: true,
    };
    let created = stack.client.create_connection_with(&options).await.unwrap().into_inner().connection;
    assert_eq!(created.status, ConnectionStatus::Pending);
    assert_eq!(created.redirect_url.as_deref(), Some("https://app.example.com/connected"));
    assert_eq!(created.tags, options.tags);
    assert_eq!(created.end_user_id.as_deref(), Some("acme-42"));

    let tagged =
        ConnectionFilter { tags: vec![("tenant".to_owned(), "acme".to_owned())], ..ConnectionFilter::default() };
    let found = stack.client.list_connections(&tagged).await.unwrap().into_inner().connections;
    assert_eq!(found.iter().map(|connection| &connection.connection_id).collect::<Vec<_>>(), [&created.connection_id]);

    let elsewhere =
        NewConnection { redirect_url: Some("https://evil.example/".to_owned()), ..NewConnection::default() };
    match stack.client.create_connection_with(&elsewhere).await {
        Err(Error::Gateway(error)) => assert_eq!(error.gateway_code, "invalid_redirect_url", "{error:?}"),
        other => panic!("{other:?}"),
    }
}
