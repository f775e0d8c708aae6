//! The gateway's side of the set-up: a data dir with N accounts, each with an API key and an
//! ACTIVE connection to the canned upstream, made through the store's own verbs (the same
//! rows `wabagate admin` would make, only faster for 100,000 of them).

use std::path::Path;

use anyhow::Context;
use serde_json::json;
use wabagate_store::{AccessToken, Keyring, Store};

use crate::nginx::TOKEN;

/// The phone number id every benchmark request names.
pub(crate) const PHONE_NUMBER_ID: &str = "1000000000001000";

/// Creates `count` accounts in a new store under `data_dir` and returns their API keys.
pub(crate) async fn seed(data_dir: &Path, count: usize) -> anyhow::Result<Vec<String>> {
    let url = format!("sqlite://{}", data_dir.join("wabagate.db").display());
    seed_store(data_dir, &url, count).await
}

/// [`seed`] into the store at `database_url` (the master key still in `data_dir`).
pub(crate) async fn seed_store(data_dir: &Path, database_url: &str, count: usize) -> anyhow::Result<Vec<String>> {
    std::fs::create_dir_all(data_dir)?;
    let keyring = Keyring::load_or_create_file(&data_dir.join("secret.key"), &[])?;
    let store = Store::open(database_url, keyring).await.context("opening the benchmark's store")?;
    let token = AccessToken::new(TOKEN);
    let metadata = json!({
        "waba_ids": ["1000000000000100"],
        "phone_numbers": [{"id": PHONE_NUMBER_ID, "display_phone_number": "+1 555 000 1000", "verified_name": "Bench"}],
    });
    let mut keys = Vec::with_capacity(count);
    for index in 0..count {
        let account = store.create_account(&format!("bench-{index}")).await?;
        store.create_active_connection(account.account_id, "whatsapp-business", &token, metadata.clone()).await?;
        let (_, key) = store.create_api_key(account.account_id).await?;
        keys.push(key.expose().to_owned());
    }
    store.close().await;
    Ok(keys)
}
