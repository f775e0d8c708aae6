//! Finding what a Meta token can reach: the WABAs it was granted and their phone numbers.
//! Used by the connect flow after a login and by operators importing a System User token.

use serde_json::{Value, json};
use wabagate_store::AccessToken;

use crate::graph::{self, GraphCallError};
use crate::state::AppState;

/// The WABA ids named by the token's `whatsapp_business_*` granular scopes, as `debug_token`
/// reports them (meta-oauth-and-webhooks.md §5).
pub fn granted_wabas(inspection: &Value) -> Vec<String> {
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

/// The phone numbers of the given WABAs, as `[{"id","display_phone_number","verified_name"}]`.
pub async fn phone_numbers(
    state: &AppState,
    token: &AccessToken,
    waba_ids: &[String],
) -> Result<Vec<Value>, GraphCallError> {
    let version = &state.config().graph_version;
    let mut numbers = Vec::new();
    for waba_id in waba_ids {
        let listing = graph::get(state, &format!("/{version}/{waba_id}/phone_numbers"), &[], Some(token)).await?;
        for number in listing.get("data").and_then(Value::as_array).into_iter().flatten() {
            numbers.push(json!({
                "id": number.get("id"),
                "display_phone_number": number.get("display_phone_number"),
                "verified_name": number.get("verified_name"),
            }));
        }
    }
    Ok(numbers)
}

/// The connection metadata for an imported token: `{"waba_ids":[…],"phone_numbers":[…]}`.
///
/// Without `waba_id`, the token inspects itself with `debug_token` (a System User token of
/// the app may; with a configured Meta app, its app token is used instead).
pub async fn discover_assets(state: &AppState, token: &AccessToken, waba_id: Option<&str>) -> anyhow::Result<Value> {
    let waba_ids = match waba_id {
        Some(waba_id) => vec![waba_id.to_owned()],
        None => {
            let inspector = match &state.config().meta_app {
                Some(app) => AccessToken::new(format!("{}|{}", app.app_id, app.app_secret)),
                None => token.clone(),
            };
            let path = format!("/{}/debug_token", state.config().graph_version);
            let inspection = graph::get(
                state,
                &path,
                &[("input_token", token.expose()), ("access_token", inspector.expose())],
                None,
            )
            .await?;
            granted_wabas(&inspection)
        }
    };
    let phone_numbers = phone_numbers(state, token, &waba_ids).await?;
    Ok(json!({ "waba_ids": waba_ids, "phone_numbers": phone_numbers }))
}
