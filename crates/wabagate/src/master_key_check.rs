//! The start-up check that the configured master keys open what the store holds. A lost or
//! wrong key would otherwise show only as a 500 on every proxied call.

use wabagate_store::Store;

/// Fails, naming each key id and what to do, if any sealed token cannot be opened.
pub(crate) async fn check(store: &Store) -> anyhow::Result<()> {
    let unopenable = store.unopenable_key_ids().await?;
    if unopenable.is_empty() {
        return Ok(());
    }
    let ids: Vec<&str> = unopenable.iter().map(String::as_str).collect();
    anyhow::bail!(
        "the store holds tokens sealed with master key id {}, which none of the configured keys opens. \
         Set WABAGATE_SECRET_KEY to the key that sealed them (or restore DATA_DIR/secret.key); after a rotation, \
         keep the old key in WABAGATE_OLD_SECRET_KEYS (comma-separated) beside the new one",
        ids.join(", ")
    )
}
