//! Graph's cursor paging for edges (`limit`, `after`, `before`): a page of an id-ordered
//! list and the `paging` object with opaque `cursors` and `next`/`previous` links, as
//! graph.facebook.com shapes them.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::error::GraphError;
use super::request::GraphCall;
use crate::state::SandboxState;
use crate::templates::graph_id_order;

/// An opaque paging cursor for a Graph id, shaped like Meta's base64 cursors.
pub(super) fn cursor(id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("sandbox:{id}"))
}

fn id_of_cursor(cursor: &str) -> Option<String> {
    let decoded = URL_SAFE_NO_PAD.decode(cursor.trim_end_matches('=')).ok()?;
    String::from_utf8(decoded).ok()?.strip_prefix("sandbox:").map(str::to_owned)
}

/// How an edge pages: its default and largest `limit`.
pub(super) struct PageSize {
    pub default: usize,
    pub max: usize,
}

/// One page of an edge.
pub(super) struct Page {
    /// The indexes of the page's items in the full list.
    pub range: std::ops::Range<usize>,
    /// Graph's `paging` object, `None` for an empty page (Graph omits it).
    pub paging: Option<Value>,
}

/// Cuts `ids` (ordered as Graph orders ids) to the page the call asks for. `edge_path` is
/// the path of the edge after the version, for the `next`/`previous` links.
pub(super) fn page(
    state: &SandboxState,
    call: &GraphCall,
    ids: &[&str],
    size: &PageSize,
    edge_path: &str,
) -> Result<Page, GraphError> {
    let limit = match call.query("limit") {
        None => size.default,
        Some(limit) => match limit.parse::<usize>() {
            Ok(limit) if limit >= 1 => limit.min(size.max),
            _ => {
                return Err(GraphError::invalid_parameter(format!(
                    "Param limit must be a positive integer, got '{limit}'."
                )));
            }
        },
    };
    let decoded = |name: &str| {
        call.query(name).map(|value| id_of_cursor(value).ok_or_else(|| invalid_cursor(name, value))).transpose()
    };
    let position = |bound: &str, inclusive: bool| {
        ids.iter()
            .position(|id| {
                let order = graph_id_order(id).cmp(&graph_id_order(bound));
                order.is_gt() || (inclusive && order.is_eq())
            })
            .unwrap_or(ids.len())
    };
    let range = match (decoded("after")?, decoded("before")?) {
        (Some(after), _) => {
            let start = position(&after, false);
            start..(start + limit).min(ids.len())
        }
        (None, Some(before)) => {
            let end = position(&before, true);
            end.saturating_sub(limit)..end
        }
        (None, None) => 0..limit.min(ids.len()),
    };
    let paging = match (ids.get(range.start), range.end.checked_sub(1).and_then(|last| ids.get(last))) {
        (Some(first), Some(last)) if !range.is_empty() => {
            let mut paging = json!({"cursors": {"before": cursor(first), "after": cursor(last)}});
            if range.end < ids.len() {
                paging["next"] = json!(link(state, call, edge_path, "after", &cursor(last), limit));
            }
            if range.start > 0 {
                paging["previous"] = json!(link(state, call, edge_path, "before", &cursor(first), limit));
            }
            Some(paging)
        }
        _ => None,
    };
    Ok(Page { range, paging })
}

fn invalid_cursor(name: &str, value: &str) -> GraphError {
    GraphError::invalid_parameter(format!("Param {name} has an invalid value '{value}'."))
}

/// The URL of a neighbouring page: the same query with the cursor replaced (no token).
fn link(
    state: &SandboxState,
    call: &GraphCall,
    edge_path: &str,
    direction: &str,
    cursor: &str,
    limit: usize,
) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in &call.query {
        if !matches!(name.as_str(), "after" | "before" | "limit" | "access_token") {
            query.append_pair(name, value);
        }
    }
    query.append_pair("limit", &limit.to_string());
    query.append_pair(direction, cursor);
    format!("{}/{}/{edge_path}?{}", state.public_url(), call.version, query.finish())
}
