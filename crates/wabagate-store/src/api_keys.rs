//! API keys: issued once, stored as a hash, revoked by id.

use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::accounts::{account_from_row, parse_uuid};
use crate::whole_reply::WholeReply;
use crate::{Account, ApiKey, ApiKeyHash, ApiKeyInfo, Store, StoreError, StoreResult, Timestamp};

impl Store {
    /// Issues a new key for an account. The returned [`ApiKey`] is the only time the key
    /// exists in full: only its hash is stored.
    pub async fn create_api_key(&self, account_id: Uuid) -> StoreResult<(ApiKeyInfo, ApiKey)> {
        let key = ApiKey::generate();
        let info = ApiKeyInfo {
            key_id: Uuid::new_v4(),
            account_id,
            prefix: key.display_prefix().to_owned(),
            creation_time: Timestamp::now(),
            revoked_time: None,
        };
        let inserted =
            sqlx::query("INSERT INTO api_keys (id, account_id, prefix, hash, created_at) SELECT $1, id, $2, $3, $4 FROM accounts WHERE id = $5")
                .bind(info.key_id.to_string())
                .bind(&info.prefix)
                .bind(key.hash().0.as_slice())
                .bind(info.creation_time.unix_micros())
                .bind(account_id.to_string())
                .execute(&self.pool)
                .await?;
        if inserted.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok((info, key))
    }

    /// The keys of one account, or of every account, newest last.
    pub async fn list_api_keys(&self, account_id: Option<Uuid>) -> StoreResult<Vec<ApiKeyInfo>> {
        let rows = sqlx::query(
            "SELECT id, account_id, prefix, created_at, revoked_at FROM api_keys
             WHERE $1 IS NULL OR account_id = $1 ORDER BY created_at, id",
        )
        .bind(account_id.map(|id| id.to_string()))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(key_info_from_row).collect()
    }

    /// Revokes a key by its id; revoking twice is not an error.
    pub async fn revoke_api_key(&self, key_id: Uuid) -> StoreResult<ApiKeyInfo> {
        sqlx::query("UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2")
            .bind(Timestamp::now().unix_micros())
            .bind(key_id.to_string())
            .execute(&self.pool)
            .await?;
        let row = sqlx::query("SELECT id, account_id, prefix, created_at, revoked_at FROM api_keys WHERE id = $1")
            .bind(key_id.to_string())
            .fetch_optional_whole(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        key_info_from_row(&row)
    }

    /// The account a live (not revoked) key belongs to, or `None`.
    pub async fn account_for_key(&self, hash: &ApiKeyHash) -> StoreResult<Option<Account>> {
        let row = sqlx::query(
            "SELECT accounts.id, accounts.name, accounts.created_at, api_keys.hash FROM api_keys
             JOIN accounts ON accounts.id = api_keys.account_id
             WHERE api_keys.hash = $1 AND api_keys.revoked_at IS NULL",
        )
        .bind(hash.0.as_slice())
        .fetch_optional_whole(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        // The index found the row; the constant-time comparison keeps the final check
        // free of early exits all the same.
        let stored: Vec<u8> = row.try_get("hash")?;
        let stored = ApiKeyHash(stored.try_into().map_err(|_| StoreError::NotFound)?);
        if !stored.matches(hash) {
            return Ok(None);
        }
        account_from_row(&row).map(Some)
    }
}

fn key_info_from_row(row: &AnyRow) -> StoreResult<ApiKeyInfo> {
    Ok(ApiKeyInfo {
        key_id: parse_uuid(row.try_get("id")?)?,
        account_id: parse_uuid(row.try_get("account_id")?)?,
        prefix: row.try_get("prefix")?,
        creation_time: Timestamp::from_unix_micros(row.try_get("created_at")?),
        revoked_time: row.try_get::<Option<i64>, _>("revoked_at")?.map(Timestamp::from_unix_micros),
    })
}
