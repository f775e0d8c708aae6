//! The start-up check of the master keys: one sealed secret of each key id in the store must
//! open. Without it a lost or wrong key shows only later, as a 500 on every proxied call.

use std::collections::BTreeSet;

use sqlx::Row;

use crate::accounts::parse_uuid;
use crate::connect_session::session_aad;
use crate::sealed_token::SealedToken;
use crate::{Store, StoreResult};

impl Store {
    /// The ids of the master keys whose ciphertexts the configured keys cannot open (empty
    /// when all is well). Tries one connection token, one connect-link token and one webhook
    /// signing secret per key id.
    pub async fn unopenable_key_ids(&self) -> StoreResult<BTreeSet<String>> {
        let mut unopenable = BTreeSet::new();
        for prefix in ["token", "session"] {
            // One row of each key id (the least id): one open per key, however many rows it sealed.
            let rows = sqlx::query(&format!(
                "SELECT id, {prefix}_ciphertext AS ciphertext, {prefix}_nonce AS nonce, {prefix}_key_id AS key_id
                 FROM connections WHERE id IN (
                   SELECT MIN(id) FROM connections WHERE {prefix}_key_id IS NOT NULL GROUP BY {prefix}_key_id
                 )"
            ))
            .fetch_all(&self.pool)
            .await?;
            for row in rows {
                let connection_id = parse_uuid(row.try_get("id")?)?;
                let sealed = SealedToken {
                    ciphertext: row.try_get("ciphertext")?,
                    nonce: row.try_get("nonce")?,
                    key_id: row.try_get("key_id")?,
                };
                let associated_data =
                    if prefix == "token" { connection_id.to_string() } else { session_aad(connection_id) };
                if self.keyring.open(&sealed, &associated_data).is_err() {
                    unopenable.insert(sealed.key_id);
                }
            }
        }
        let rows = sqlx::query(
            "SELECT id, secret_ciphertext, secret_nonce, secret_key_id FROM webhook_subscriptions WHERE id IN (
               SELECT MIN(id) FROM webhook_subscriptions GROUP BY secret_key_id
             )",
        )
        .fetch_all(&self.pool)
        .await?;
        for row in rows {
            let subscription_id: String = row.try_get("id")?;
            let sealed = SealedToken {
                ciphertext: row.try_get("secret_ciphertext")?,
                nonce: row.try_get("secret_nonce")?,
                key_id: row.try_get("secret_key_id")?,
            };
            if self.keyring.open(&sealed, &subscription_id).is_err() {
                unopenable.insert(sealed.key_id);
            }
        }
        Ok(unopenable)
    }
}
