//! Webhook subscriptions: an account's endpoints for outbound events, with their signing
//! secrets sealed like Meta tokens (the subscription id as associated data). A rotation keeps
//! the previous secret beside the new one until its expiry, so receivers can switch without
//! refusing a delivery.

use serde::Serialize;
use serde_json::Value;
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::accounts::parse_uuid;
use crate::sealed_token::{AccessToken, SealedToken};
use crate::whole_reply::WholeReply;
use crate::{Store, StoreError, StoreResult, Timestamp};

/// An endpoint and what it receives.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WebhookSubscription {
    #[serde(rename = "id")]
    pub subscription_id: Uuid,
    #[serde(skip)]
    pub account_id: Uuid,
    pub url: String,
    /// Event names and globs (`message.*`).
    pub events: Vec<String>,
    /// Empty: every phone number.
    pub phone_number_ids: Vec<String>,
    pub description: Option<String>,
    /// `active` or `disabled`.
    pub status: String,
    pub disabled_reason: Option<String>,
    pub created_at: Timestamp,
    pub failing_since: Option<Timestamp>,
}

impl WebhookSubscription {
    /// Whether an event of `event_type` about `phone_number_id` goes to this endpoint.
    pub fn wants(&self, event_type: &str, phone_number_id: Option<&str>) -> bool {
        let type_matches = self.events.iter().any(|pattern| event_type_matches(pattern, event_type));
        let number_matches = self.phone_number_ids.is_empty()
            || phone_number_id.is_none_or(|number| self.phone_number_ids.iter().any(|id| id == number));
        type_matches && number_matches
    }
}

pub use wabagate_model::event_type::pattern_matches as event_type_matches;

/// What a new subscription holds; the secret is made by the caller and shown once.
#[derive(Debug, Clone)]
pub struct NewSubscription {
    pub url: String,
    pub events: Vec<String>,
    pub phone_number_ids: Vec<String>,
    pub description: Option<String>,
}

/// A `PATCH`: `None` keeps a field. `status: "active"` clears the reason and failure streak.
#[derive(Debug, Clone, Default)]
pub struct SubscriptionUpdate {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub phone_number_ids: Option<Vec<String>>,
    pub description: Option<Option<String>>,
    pub status: Option<String>,
}

/// The secrets that sign a delivery: the current one, and the previous one while it lasts.
pub struct SigningSecrets {
    pub current: AccessToken,
    pub previous: Option<AccessToken>,
}

pub(crate) const COLUMNS: &str = "id, account_id, url, events, phone_number_ids, description, status, disabled_reason, \
    created_at, failing_since";

impl Store {
    /// Creates an active subscription signed with `secret`.
    pub async fn create_subscription(
        &self,
        account_id: Uuid,
        new: &NewSubscription,
        secret: &AccessToken,
        now: Timestamp,
    ) -> StoreResult<WebhookSubscription> {
        let subscription_id = Uuid::new_v4();
        let sealed = self.keyring.seal(secret, &subscription_id.to_string());
        sqlx::query(
            "INSERT INTO webhook_subscriptions (id, account_id, url, events, phone_number_ids, description, status,
                secret_key_id, secret_nonce, secret_ciphertext, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $8, $9, $10, $11)",
        )
        .bind(subscription_id.to_string())
        .bind(account_id.to_string())
        .bind(&new.url)
        .bind(Value::from(new.events.clone()).to_string())
        .bind(Value::from(new.phone_number_ids.clone()).to_string())
        .bind(&new.description)
        .bind(&sealed.key_id)
        .bind(&sealed.nonce)
        .bind(&sealed.ciphertext)
        .bind(now.unix_micros())
        .bind(now.unix_micros())
        .execute(&self.pool)
        .await?;
        self.subscription(account_id, subscription_id).await?.ok_or(StoreError::NotFound)
    }

    /// An account's subscriptions, oldest first.
    pub async fn subscriptions(&self, account_id: Uuid) -> StoreResult<Vec<WebhookSubscription>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM webhook_subscriptions WHERE account_id = $1 ORDER BY created_at, id"
        ))
        .bind(account_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(subscription_from_row).collect()
    }

    /// One subscription of an account; another account's is not found.
    pub async fn subscription(
        &self,
        account_id: Uuid,
        subscription_id: Uuid,
    ) -> StoreResult<Option<WebhookSubscription>> {
        let row =
            sqlx::query(&format!("SELECT {COLUMNS} FROM webhook_subscriptions WHERE account_id = $1 AND id = $2"))
                .bind(account_id.to_string())
                .bind(subscription_id.to_string())
                .fetch_optional_whole(&self.pool)
                .await?;
        row.as_ref().map(subscription_from_row).transpose()
    }

    /// Applies a `PATCH`; `None` when the subscription is not the account's.
    pub async fn update_subscription(
        &self,
        account_id: Uuid,
        subscription_id: Uuid,
        update: &SubscriptionUpdate,
        now: Timestamp,
    ) -> StoreResult<Option<WebhookSubscription>> {
        let enabling = update.status.as_deref() == Some("active");
        let updated = sqlx::query(
            "UPDATE webhook_subscriptions SET url = COALESCE($1, url), events = COALESCE($2, events),
                phone_number_ids = COALESCE($3, phone_number_ids),
                description = CASE WHEN $4 THEN $5 ELSE description END,
                status = COALESCE($6, status),
                disabled_reason = CASE WHEN $7 THEN NULL WHEN $6 = 'disabled' THEN 'disabled by the account' ELSE disabled_reason END,
                failing_since = CASE WHEN $7 THEN NULL ELSE failing_since END,
                updated_at = $8
             WHERE account_id = $9 AND id = $10",
        )
        .bind(&update.url)
        .bind(update.events.clone().map(|events| Value::from(events).to_string()))
        .bind(update.phone_number_ids.clone().map(|ids| Value::from(ids).to_string()))
        .bind(update.description.is_some())
        .bind(update.description.clone().flatten())
        .bind(&update.status)
        .bind(enabling)
        .bind(now.unix_micros())
        .bind(account_id.to_string())
        .bind(subscription_id.to_string())
        .execute(&self.pool)
        .await?;
        if updated.rows_affected() == 0 {
            return Ok(None);
        }
        self.subscription(account_id, subscription_id).await
    }

    /// Deletes a subscription with its deliveries; false when it is not the account's.
    pub async fn delete_subscription(&self, account_id: Uuid, subscription_id: Uuid) -> StoreResult<bool> {
        let deleted = sqlx::query("DELETE FROM webhook_subscriptions WHERE account_id = $1 AND id = $2")
            .bind(account_id.to_string())
            .bind(subscription_id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(deleted.rows_affected() > 0)
    }

    /// Makes `secret` the signing secret; the current one keeps signing beside it until
    /// `previous_until`. False when the subscription is not the account's.
    pub async fn rotate_subscription_secret(
        &self,
        account_id: Uuid,
        subscription_id: Uuid,
        secret: &AccessToken,
        now: Timestamp,
        previous_until: Timestamp,
    ) -> StoreResult<bool> {
        let sealed = self.keyring.seal(secret, &subscription_id.to_string());
        let rotated = sqlx::query(
            "UPDATE webhook_subscriptions SET previous_secret_key_id = secret_key_id,
                previous_secret_nonce = secret_nonce, previous_secret_ciphertext = secret_ciphertext,
                previous_secret_expires_at = $1, secret_key_id = $2, secret_nonce = $3, secret_ciphertext = $4,
                updated_at = $5
             WHERE account_id = $6 AND id = $7",
        )
        .bind(previous_until.unix_micros())
        .bind(&sealed.key_id)
        .bind(&sealed.nonce)
        .bind(&sealed.ciphertext)
        .bind(now.unix_micros())
        .bind(account_id.to_string())
        .bind(subscription_id.to_string())
        .execute(&self.pool)
        .await?;
        Ok(rotated.rows_affected() > 0)
    }

    /// The secrets that sign a subscription's deliveries at `now`.
    pub async fn signing_secrets(&self, subscription_id: Uuid, now: Timestamp) -> StoreResult<SigningSecrets> {
        let row = sqlx::query(
            "SELECT secret_key_id, secret_nonce, secret_ciphertext, previous_secret_key_id, previous_secret_nonce,
                previous_secret_ciphertext, previous_secret_expires_at
             FROM webhook_subscriptions WHERE id = $1",
        )
        .bind(subscription_id.to_string())
        .fetch_optional_whole(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let associated_data = subscription_id.to_string();
        let current = SealedToken {
            key_id: row.try_get("secret_key_id")?,
            nonce: row.try_get("secret_nonce")?,
            ciphertext: row.try_get("secret_ciphertext")?,
        };
        let previous = match (
            row.try_get::<Option<String>, _>("previous_secret_key_id")?,
            row.try_get::<Option<Vec<u8>>, _>("previous_secret_nonce")?,
            row.try_get::<Option<Vec<u8>>, _>("previous_secret_ciphertext")?,
            row.try_get::<Option<i64>, _>("previous_secret_expires_at")?,
        ) {
            (Some(key_id), Some(nonce), Some(ciphertext), Some(until)) if until > now.unix_micros() => {
                Some(self.keyring.open(&SealedToken { key_id, nonce, ciphertext }, &associated_data)?)
            }
            _ => None,
        };
        Ok(SigningSecrets { current: self.keyring.open(&current, &associated_data)?, previous })
    }
}

pub(crate) fn subscription_from_row(row: &AnyRow) -> StoreResult<WebhookSubscription> {
    let strings = |name: &str| -> StoreResult<Vec<String>> {
        let text: String = row.try_get(name)?;
        Ok(serde_json::from_str(&text).unwrap_or_default())
    };
    Ok(WebhookSubscription {
        subscription_id: parse_uuid(row.try_get("id")?)?,
        account_id: parse_uuid(row.try_get("account_id")?)?,
        url: row.try_get("url")?,
        events: strings("events")?,
        phone_number_ids: strings("phone_number_ids")?,
        description: row.try_get("description")?,
        status: row.try_get("status")?,
        disabled_reason: row.try_get("disabled_reason")?,
        created_at: Timestamp::from_unix_micros(row.try_get("created_at")?),
        failing_since: row.try_get::<Option<i64>, _>("failing_since")?.map(Timestamp::from_unix_micros),
    })
}
