//! Reading a forwarded Graph path for the few routes the gateway looks into (sends for the
//! ledger, template lists for the mirror): which numeric node it names before one edge.

/// The node id of `/[v{version}/]{id}/{edge}` (digits only, at most 32 of them), the shape
/// of a phone number's or WABA's edge; anything else, a trailing segment included, is None.
pub(crate) fn node_before_edge<'a>(graph_path: &'a str, edge: &str) -> Option<&'a str> {
    let mut segments = graph_path.trim_start_matches('/').split('/');
    let mut node = segments.next()?;
    if node.starts_with('v') {
        node = segments.next()?;
    }
    let is_id = !node.is_empty() && node.len() <= 32 && node.bytes().all(|byte| byte.is_ascii_digit());
    (is_id && segments.next() == Some(edge) && segments.next().is_none()).then_some(node)
}
