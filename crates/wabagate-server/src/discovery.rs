//! Finding what a Meta token can reach: its WABAs and their phone numbers, asked of the
//! upstream the way the connect flow will (debug_token for the granted WABAs, then each
//! WABA's `phone_numbers`). Used when an operator imports a System User token.

use axum::body::Body;
use axum::http::{Method, Request, header};
use http_body_util::{BodyExt, Limited};
use serde_json::{Value, json};
use wabagate_store::AccessToken;

use crate::state::AppState;

/// Graph answers for these calls are small; a larger one is not Graph's.
const ANSWER_LIMIT: usize = 1024 * 1024;

/// The connection metadata for a token: `{"waba_ids":[…],"phone_numbers":[{"id","display_phone_number","verified_name"}]}`.
///
/// `waba_id` skips the token inspection when the operator knows the WABA. Fails when the
/// upstream cannot be reached or refuses the token, with Graph's message when it gave one.
pub async fn discover_assets(state: &AppState, token: &AccessToken, waba_id: Option<&str>) -> anyhow::Result<Value> {
    let version = &state.config().graph_version;
    let waba_ids = match waba_id {
        Some(waba_id) => vec![waba_id.to_owned()],
        None => {
            let inspection =
                graph_get(state, token, &format!("/{version}/debug_token"), Some(("input_token", token.expose())))
                    .await?;
            granted_wabas(&inspection)
        }
    };
    let mut phone_numbers = Vec::new();
    for waba_id in &waba_ids {
        let listing = graph_get(state, token, &format!("/{version}/{waba_id}/phone_numbers"), None).await?;
        for number in listing.get("data").and_then(Value::as_array).into_iter().flatten() {
            phone_numbers.push(json!({
                "id": number.get("id"),
                "display_phone_number": number.get("display_phone_number"),
                "verified_name": number.get("verified_name"),
            }));
        }
    }
    Ok(json!({ "waba_ids": waba_ids, "phone_numbers": phone_numbers }))
}

/// The WABA ids named by the `whatsapp_business_management` / `_messaging` granular scopes.
fn granted_wabas(inspection: &Value) -> Vec<String> {
    let scopes = inspection.pointer("/data/granular_scopes").and_then(Value::as_array);
    let mut ids: Vec<String> = scopes
        .into_iter()
        .flatten()
        .filter(|scope| {
            scope.get("scope").and_then(Value::as_str).is_some_and(|name| name.starts_with("whatsapp_business"))
        })
        .flat_map(|scope| scope.get("target_ids").and_then(Value::as_array).cloned().unwrap_or_default())
        .filter_map(|id| id.as_str().map(str::to_owned))
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

async fn graph_get(
    state: &AppState,
    token: &AccessToken,
    path: &str,
    query: Option<(&str, &str)>,
) -> anyhow::Result<Value> {
    let mut url = state.config().upstream.join(path)?;
    if let Some((name, value)) = query {
        url.query_pairs_mut().append_pair(name, value);
    }
    let mut bearer = header::HeaderValue::try_from(format!("Bearer {}", token.expose()))?;
    bearer.set_sensitive(true);
    let request = Request::builder()
        .method(Method::GET)
        .uri(url.as_str())
        .header(header::AUTHORIZATION, bearer)
        .body(Body::empty())?;
    let response = tokio::time::timeout(state.config().upstream_timeout, state.upstream().request(request))
        .await
        .map_err(|_| anyhow::anyhow!("the upstream did not answer {path} in time"))?
        .map_err(|error| anyhow::anyhow!("the upstream could not be reached: {error}"))?;
    let status = response.status();
    let body = Limited::new(response.into_body(), ANSWER_LIMIT)
        .collect()
        .await
        .map_err(|error| anyhow::anyhow!("reading the upstream's answer to {path} failed: {error}"))?
        .to_bytes();
    let answer: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if !status.is_success() {
        let message = answer.pointer("/error/message").and_then(Value::as_str).unwrap_or("no Graph error message");
        anyhow::bail!("the upstream refused {path} with {status}: {message}");
    }
    Ok(answer)
}
