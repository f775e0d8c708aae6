//! `serve --demo`: a demo account, API key and ACTIVE connection, the same ones on every
//! start with the same data dir, and a how-to printed for a first request.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use serde_json::json;
use wabagate_sandbox::DemoBusiness;
use wabagate_sandbox::seed::DEMO_PHONE_NUMBERS;
use wabagate_server::AppState;
use wabagate_store::{AccessToken, ApiKey, StoreError};

const DEMO_ACCOUNT: &str = "demo";
const APP: &str = "whatsapp-business";
/// With a real upstream there is no demo business: the connection carries this token,
/// which Meta refuses (so calls show Meta's error 190) until it is replaced.
const PLACEHOLDER_TOKEN: &str = "wabagate-demo-placeholder-token";

/// What `demo.json` holds.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct DemoInfo {
    pub(crate) base_url: String,
    pub(crate) api_key: String,
    pub(crate) connection_id: String,
    pub(crate) phone_number_id: String,
    pub(crate) waba_id: String,
}

pub(crate) async fn prepare(
    state: &AppState,
    sandbox: Option<&DemoBusiness>,
    demo_file: &Path,
) -> anyhow::Result<DemoInfo> {
    let store = state.store();
    let account = match store.find_account(DEMO_ACCOUNT).await {
        Ok(account) => account,
        Err(StoreError::NotFound) => store.create_account(DEMO_ACCOUNT).await?,
        Err(error) => return Err(error.into()),
    };

    let (token, waba_id, phone_number_id, metadata) = match sandbox {
        Some(demo) => {
            // Bound to the demo business's first number only, so clients that default the
            // sending number from a connection with exactly one (the CLI) just work.
            let phone_numbers: Vec<_> = DEMO_PHONE_NUMBERS
                .iter()
                .filter(|(id, _, _)| *id == demo.phone_number_id)
                .map(|(id, display, name)| json!({"id": id, "display_phone_number": display, "verified_name": name}))
                .collect();
            let metadata = json!({"demo": true, "waba_ids": [demo.waba_id], "phone_numbers": phone_numbers});
            (AccessToken::new(demo.access_token.clone()), demo.waba_id.clone(), demo.phone_number_id.clone(), metadata)
        }
        None => {
            let metadata = json!({"demo": true, "waba_ids": [], "phone_numbers": []});
            (AccessToken::new(PLACEHOLDER_TOKEN), "WABA_ID".to_owned(), "PHONE_NUMBER_ID".to_owned(), metadata)
        }
    };

    // The demo connection is the one marked `demo` in its metadata; it is refreshed (token,
    // numbers, ACTIVE) rather than duplicated, so its id survives restarts.
    let existing = store.list_connections(account.account_id, Some(APP), None).await?;
    let demo_connection = existing.iter().find(|connection| connection.metadata.get("demo") == Some(&json!(true)));
    let connection = match demo_connection {
        Some(connection) => store.activate_connection(connection.connection_id, &token, metadata, None).await?,
        None => store.create_active_connection(account.account_id, APP, &token, metadata).await?,
    };

    let api_key = match reusable_key(state, demo_file, account.account_id).await {
        Some(key) => key,
        None => store.create_api_key(account.account_id).await?.1,
    };

    let info = DemoInfo {
        base_url: state.config().public_url.as_str().trim_end_matches('/').to_owned(),
        api_key: api_key.expose().to_owned(),
        connection_id: connection.connection_id.to_string(),
        phone_number_id,
        waba_id,
    };
    write_private(demo_file, &serde_json::to_vec_pretty(&info)?)
        .with_context(|| format!("writing {}", demo_file.display()))?;
    Ok(info)
}

/// The key of a previous demo run, if its file is there and the key still works.
async fn reusable_key(state: &AppState, demo_file: &Path, account_id: uuid::Uuid) -> Option<ApiKey> {
    let previous: DemoInfo = serde_json::from_slice(&std::fs::read(demo_file).ok()?).ok()?;
    let key = ApiKey::parse(&previous.api_key).ok()?;
    let owner = state.store().account_for_key(&key.hash()).await.ok()??;
    (owner.account_id == account_id).then_some(key)
}

/// The demo file holds an API key, so only its owner may read it.
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.write_all(b"\n")
}

pub(crate) fn print_how_to(demo: &DemoInfo, demo_file: &Path) {
    let how_to = format!(
        r#"
wabagate demo is ready (details in {file}).

  export WABAGATE_URL={base}
  export WABAGATE_API_KEY={key}
  export MATON_API_KEY=$WABAGATE_API_KEY

  wabagate send text --to 1234567890 --body 'Hello from WhatsApp Business!'

  curl -s $WABAGATE_URL/whatsapp-business/v21.0/{phone}/messages \
    -H "Authorization: Bearer $MATON_API_KEY" \
    -H "Content-Type: application/json" \
    -d '{{"messaging_product":"whatsapp","to":"1234567890","type":"text","text":{{"body":"Hello from WhatsApp Business!"}}}}'
"#,
        file = demo_file.display(),
        key = demo.api_key,
        base = demo.base_url,
        phone = demo.phone_number_id,
    );
    // Not println!: a closed stdout must not stop the gateway.
    let _ = writeln!(std::io::stdout().lock(), "{how_to}");
}
