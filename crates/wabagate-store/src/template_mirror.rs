//! The template mirror: each WABA's templates as last reported by Meta, from
//! `message_template_status_update` webhooks and from syncs of the template list. Each row
//! remembers the Meta time of what it holds (`source_time_unix`); an older report arriving
//! late changes nothing.

use serde::Serialize;
use serde_json::Value;
use sqlx::Row;
use uuid::Uuid;

use crate::webhook_intake::WebhookBatch;
use crate::{Store, StoreResult, Timestamp};

/// A template as Meta last described it. `None` fields were not in that report and keep
/// what the mirror had.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MirroredTemplate {
    pub id: String,
    pub waba_id: String,
    pub name: String,
    pub language: String,
    pub status: String,
    pub category: Option<String>,
    pub components: Option<Value>,
    pub rejected_reason: Option<String>,
    /// When Meta said so (the webhook's `entry.time`, or the sync's time).
    #[serde(skip)]
    pub source_time_unix: i64,
    pub updated_at: Timestamp,
}

const UPSERT: &str =
    "INSERT INTO templates (waba_id, id, name, language, status, category, components, rejected_reason,
        source_time_unix, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (waba_id, id) DO UPDATE SET name = excluded.name, language = excluded.language,
        status = excluded.status, category = COALESCE(excluded.category, templates.category),
        components = COALESCE(excluded.components, templates.components),
        rejected_reason = excluded.rejected_reason, source_time_unix = excluded.source_time_unix,
        updated_at = excluded.updated_at
     WHERE templates.source_time_unix <= excluded.source_time_unix";

fn upsert(template: &MirroredTemplate) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments<'_>> {
    sqlx::query(UPSERT)
        .bind(&template.waba_id)
        .bind(&template.id)
        .bind(&template.name)
        .bind(&template.language)
        .bind(&template.status)
        .bind(&template.category)
        .bind(template.components.as_ref().map(Value::to_string))
        .bind(&template.rejected_reason)
        .bind(template.source_time_unix)
        .bind(template.updated_at.unix_micros())
}

impl Store {
    /// Mirrors a WABA's template list as fetched; returns how many rows were written.
    pub async fn mirror_templates(&self, templates: &[MirroredTemplate]) -> StoreResult<u64> {
        let mut tx = self.pool.begin().await?;
        let mut written = 0;
        for template in templates {
            written += upsert(template).execute(&mut *tx).await?.rows_affected();
        }
        tx.commit().await?;
        Ok(written)
    }

    /// The mirrored templates of an account's WABAs (or of one of them), by name.
    pub async fn mirrored_templates(
        &self,
        account_id: Uuid,
        waba_id: Option<&str>,
        status: Option<&str>,
    ) -> StoreResult<Vec<MirroredTemplate>> {
        let rows = sqlx::query(
            "SELECT waba_id, id, name, language, status, category, components, rejected_reason, source_time_unix, updated_at
             FROM templates
             WHERE waba_id IN (SELECT route_id FROM webhook_routes WHERE route_kind = 'waba_id' AND account_id = $1)
               AND ($2 IS NULL OR waba_id = $2) AND ($3 IS NULL OR status = $3)
             ORDER BY waba_id, name, language, id",
        )
        .bind(account_id.to_string())
        .bind(waba_id)
        .bind(status)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let components: Option<String> = row.try_get("components")?;
                Ok(MirroredTemplate {
                    id: row.try_get("id")?,
                    waba_id: row.try_get("waba_id")?,
                    name: row.try_get("name")?,
                    language: row.try_get("language")?,
                    status: row.try_get("status")?,
                    category: row.try_get("category")?,
                    components: components.and_then(|text| serde_json::from_str(&text).ok()),
                    rejected_reason: row.try_get("rejected_reason")?,
                    source_time_unix: row.try_get("source_time_unix")?,
                    updated_at: Timestamp::from_unix_micros(row.try_get("updated_at")?),
                })
            })
            .collect()
    }
}

impl WebhookBatch {
    /// Applies one template status report, unless the mirror holds a newer one.
    pub async fn mirror_template(&mut self, template: &MirroredTemplate) -> StoreResult<()> {
        upsert(template).execute(&mut *self.tx).await?;
        Ok(())
    }
}
