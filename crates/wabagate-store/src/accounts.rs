//! Accounts: the tenants of the gateway.

use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::whole_reply::WholeReply;
use crate::{Account, Store, StoreError, StoreResult, Timestamp, is_unique_violation};

impl Store {
    /// Creates an account; names are unique so operators can refer to accounts by name.
    pub async fn create_account(&self, name: &str) -> StoreResult<Account> {
        let account = Account { account_id: Uuid::new_v4(), name: name.to_owned(), creation_time: Timestamp::now() };
        sqlx::query("INSERT INTO accounts (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(account.account_id.to_string())
            .bind(&account.name)
            .bind(account.creation_time.unix_micros())
            .execute(&self.pool)
            .await
            .map_err(|error| match is_unique_violation(&error) {
                true => StoreError::Conflict(format!("an account named {name:?} already exists")),
                false => error.into(),
            })?;
        Ok(account)
    }

    pub async fn list_accounts(&self) -> StoreResult<Vec<Account>> {
        let rows = sqlx::query("SELECT id, name, created_at FROM accounts ORDER BY created_at, id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(account_from_row).collect()
    }

    /// Finds an account by its id (a UUID) or, failing that, by its name.
    pub async fn find_account(&self, id_or_name: &str) -> StoreResult<Account> {
        let row = sqlx::query("SELECT id, name, created_at FROM accounts WHERE id = $1 OR name = $2 LIMIT 1")
            .bind(id_or_name)
            .bind(id_or_name)
            .fetch_optional_whole(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        account_from_row(&row)
    }
}

pub(crate) fn account_from_row(row: &AnyRow) -> StoreResult<Account> {
    Ok(Account {
        account_id: parse_uuid(row.try_get("id")?)?,
        name: row.try_get("name")?,
        creation_time: Timestamp::from_unix_micros(row.try_get("created_at")?),
    })
}

pub(crate) fn parse_uuid(text: String) -> StoreResult<Uuid> {
    Uuid::parse_str(&text).map_err(|error| StoreError::Database(sqlx::Error::Decode(Box::new(error))))
}
