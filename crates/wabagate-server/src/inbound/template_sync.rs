//! `POST /templates/sync {"waba_id"}`: the WABA's template list fetched from the upstream
//! with its connection's token, page by page (bounded), into the mirror.

use serde_json::Value;
use uuid::Uuid;
use wabagate_store::{ConnectionStatus, MirroredTemplate, RouteKind};

use crate::error::ApiError;
use crate::graph::{self, GraphCallError};
use crate::state::AppState;

/// Templates asked for per page (Graph's maximum page size is larger; this keeps answers small).
const PAGE_SIZE: &str = "100";
/// Pages followed at most: 5,000 templates, well above Meta's per-WABA limit.
const MAX_PAGES: usize = 50;

/// Syncs one WABA of the account; returns how many templates were mirrored.
pub(super) async fn sync(state: &AppState, account_id: Uuid, waba_id: &str) -> Result<u64, ApiError> {
    let not_found = || ApiError::NotFound(format!("WABA {waba_id}"));
    let route = state.store().webhook_route(RouteKind::Waba, waba_id).await?.ok_or_else(not_found)?;
    if route.account_id != account_id {
        return Err(not_found());
    }
    let connections = state.gateway_connections(account_id).await?;
    let token = connections
        .iter()
        .find(|connection| {
            connection.connection_id == route.connection_id && connection.status == ConnectionStatus::Active
        })
        .and_then(|connection| connection.token.clone())
        .ok_or_else(not_found)?;

    let now = state.now();
    let path = format!("/{}/{waba_id}/message_templates", state.config().graph_version);
    let mut after: Option<String> = None;
    let mut templates = Vec::new();
    for _ in 0..MAX_PAGES {
        let mut query = vec![("limit", PAGE_SIZE)];
        if let Some(after) = &after {
            query.push(("after", after.as_str()));
        }
        let page = graph::get(state, &path, &query, Some(&token)).await.map_err(|error| match error {
            GraphCallError::Unreachable(_) => ApiError::UpstreamUnreachable,
            refused => ApiError::BadUpstreamAnswer(format!("Syncing templates failed: {refused}")),
        })?;
        let data = page.get("data").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        templates.extend(data.iter().filter_map(|template| mirrored(waba_id, template, now)));
        after = page
            .pointer("/paging/cursors/after")
            .and_then(Value::as_str)
            .filter(|_| page.pointer("/paging/next").is_some())
            .map(str::to_owned);
        if after.is_none() {
            break;
        }
    }
    state.store().mirror_templates(&templates).await?;
    Ok(templates.len() as u64)
}

/// A template of a Graph template list as the mirror keeps it; `None` without an id or name.
pub(crate) fn mirrored(waba_id: &str, template: &Value, now: wabagate_store::Timestamp) -> Option<MirroredTemplate> {
    let text = |name: &str| template.get(name).and_then(Value::as_str).map(str::to_owned);
    Some(MirroredTemplate {
        id: text("id")?,
        waba_id: waba_id.to_owned(),
        name: text("name")?,
        language: text("language").unwrap_or_default(),
        status: text("status").unwrap_or_default(),
        category: text("category"),
        components: template.get("components").cloned(),
        rejected_reason: text("rejected_reason").filter(|reason| reason != "NONE"),
        source_time_unix: now.unix_micros() / 1_000_000,
        updated_at: now,
    })
}
