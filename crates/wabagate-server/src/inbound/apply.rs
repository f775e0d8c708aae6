//! Applying one notification: every entry, change and item. `messages` changes route by
//! `value.metadata.phone_number_id`, WABA-level fields by `entry.id`; a change nobody owns
//! is kept unrouted (as a one-change notification) and replayed by [`reroute`] once a
//! connection owns its id. Everything is written through the caller's [`WebhookBatch`], so
//! one body is one transaction, the outbound events it publishes (`events::derive`) included.

use super::media_cache::ArrivedMedia;
use crate::events::derive;
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;
use wabagate_model::webhook::{Change, Entry, Item, Notification};
use wabagate_store::{
    InboundRecord, MirroredTemplate, NewEvent, Route, RouteKind, StatusReport, Store, StoreResult, Timestamp,
    WebhookBatch,
};

/// What applying a notification leaves to do once its batch commits.
#[derive(Debug, Default)]
pub(super) struct Applied {
    /// Accounts whose connections changed: their caches must be forgotten.
    pub(super) touched: Vec<Uuid>,
    /// Media of new inbound messages, for the cache.
    pub(super) media: Vec<ArrivedMedia>,
    /// Service windows the new inbound messages opened, for the window cache.
    pub(super) windows: Vec<OpenedWindow>,
}

/// A customer wrote to a business number at `last_inbound_unix`.
#[derive(Debug)]
pub(super) struct OpenedWindow {
    pub(super) phone_number_id: String,
    pub(super) wa_id: String,
    pub(super) last_inbound_unix: i64,
}

/// Applies `notification`.
pub(super) async fn notification(
    batch: &mut WebhookBatch,
    notification: &Notification,
    now: Timestamp,
) -> StoreResult<Applied> {
    let mut applied = Applied::default();
    for entry in &notification.entries {
        for change in &entry.changes {
            let (kind, id) = if change.is_number_scoped() {
                (RouteKind::PhoneNumber, change.phone_number_id().unwrap_or_default())
            } else {
                (RouteKind::Waba, entry.id.clone())
            };
            let Some(route) = batch.route(kind, &id).await? else {
                tracing::info!(field = %change.field, route = kind.as_str(), id = %id, "webhook change for an id no connection owns; kept unrouted");
                batch.keep_unrouted(&change.field, kind, &id, &entry.with_only(change)).await?;
                continue;
            };
            for item in change.items() {
                apply_item(batch, route, entry, change, &id, item, now, &mut applied).await?;
            }
        }
    }
    applied.touched.dedup();
    Ok(applied)
}

/// Applies one item, noting in `applied` what is left to do after the commit.
#[allow(clippy::too_many_arguments, reason = "one item in its full context; a struct would only rename them")]
async fn apply_item(
    batch: &mut WebhookBatch,
    route: Route,
    entry: &Entry,
    change: &Change,
    routed_id: &str,
    item: Item,
    now: Timestamp,
    applied: &mut Applied,
) -> StoreResult<()> {
    match item {
        Item::Message(message) => {
            let event = derive::message_received(route, entry, routed_id, &message, now);
            let inbound = InboundRecord {
                opens_window: message.message_type != "system",
                wamid: message.wamid,
                from: message.from,
                message_type: message.message_type,
                content: message.raw,
                reply_to: message.reply_to,
                profile_name: message.profile_name,
                timestamp_unix: message.timestamp,
            };
            if batch.record_inbound(route, routed_id, &inbound).await? {
                batch.publish_event(route.account_id, &event, now).await?;
                if inbound.opens_window {
                    applied.windows.push(OpenedWindow {
                        phone_number_id: routed_id.to_owned(),
                        wa_id: inbound.from.clone(),
                        last_inbound_unix: inbound
                            .timestamp_unix
                            .unwrap_or(batch.received_at().unix_micros() / 1_000_000),
                    });
                }
                let media = ArrivedMedia::of(
                    route.account_id,
                    route.connection_id,
                    routed_id,
                    &inbound.wamid,
                    &inbound.message_type,
                    &inbound.content,
                );
                applied.media.extend(media);
            }
        }
        Item::Status(status) => {
            let event = derive::message_status(route, entry, routed_id, &status, now);
            let report = StatusReport {
                wamid: status.wamid,
                status: status.status,
                timestamp_unix: status.timestamp,
                recipient_id: status.recipient_id,
                errors: status.errors,
                biz_opaque_callback_data: status.biz_opaque_callback_data,
            };
            if batch.record_status(route, routed_id, &report).await?
                && let Some(event) = event
            {
                batch.publish_event(route.account_id, &event, now).await?;
            }
        }
        Item::TemplateStatus(update) => {
            // Published whatever the mirror keeps: the event id (template, event, entry
            // time) already makes a redelivered report the same event.
            let event = derive::template_status(route, entry, &update, now);
            let template = MirroredTemplate {
                id: update.template_id,
                waba_id: entry.id.clone(),
                name: update.name,
                language: update.language,
                status: update.event,
                category: update.category,
                components: None,
                rejected_reason: update.reason.filter(|reason| reason != "NONE"),
                source_time_unix: entry.time.unwrap_or(now.unix_micros() / 1_000_000),
                updated_at: now,
            };
            batch.mirror_template(&template).await?;
            batch.publish_event(route.account_id, &event, now).await?;
        }
        Item::AccountUpdate(update) => {
            let revokes = update.revokes_access();
            batch.record_connection_event(route, NewEvent { kind: "account_update", detail: update.raw }).await?;
            if revokes {
                let error = json!({"reason": "access_revoked", "event": update.event,
                    "description": "The business removed the gateway's access in Meta; reconnect the connection."});
                if batch.revoke_connection(route, error).await? {
                    applied.touched.push(route.account_id);
                }
            }
        }
        Item::PhoneNumberNameUpdate(update) => {
            batch
                .record_connection_event(route, NewEvent { kind: "phone_number_name_update", detail: update.raw })
                .await?;
        }
        Item::Unknown { field, .. } => {
            // Kept in the raw body (7 days); nothing in the ledger reads it yet.
            tracing::debug!(field = %field, change = %change.field, "webhook item not interpreted");
        }
    }
    Ok(())
}

/// What `reroute` did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RerouteOutcome {
    /// Changes applied to the connection that now owns their id.
    pub rerouted: u64,
    /// Changes still without an owner.
    pub still_unrouted: u64,
}

/// Replays every unrouted change through the same path as a fresh body; those whose id a
/// connection now owns are applied (and marked rerouted) in one transaction each.
pub async fn reroute(store: &Store, now: Timestamp) -> StoreResult<RerouteOutcome> {
    let mut outcome = RerouteOutcome::default();
    for change in store.unrouted_changes(false).await? {
        let Ok(notification) = Notification::from_value(&change.notification) else { continue };
        let mut batch = store.begin_reroute(&change).await?;
        self::notification(&mut batch, &notification, now).await?;
        if batch.finish(now, None).await? {
            outcome.rerouted += 1;
        } else {
            outcome.still_unrouted += 1;
        }
    }
    Ok(outcome)
}
