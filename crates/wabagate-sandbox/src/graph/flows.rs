//! WhatsApp Flows: `GET|POST /{waba_id}/flows`, `GET|POST|DELETE /{flow_id}`,
//! `GET|POST /{flow_id}/assets`, `POST /{flow_id}/publish` and `/deprecate`, as Meta's
//! OpenAPI description has them. What a client library calls is served: the metadata,
//! the Flow JSON (checked to parse, not against Meta's Flow JSON schema), the lifecycle
//! and a `preview` URL. Flows never run and `metric` has no data points.

use axum::Json;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::error::GraphError;
use super::fields::{self, Field};
use super::nodes::waba as waba_node;
use super::paging::{self, PageSize};
use super::request::GraphCall;
use super::{MANAGEMENT, MESSAGING, params, success};
use crate::business::Waba;
use crate::flows::{FlowStatus, StoredFlow};
use crate::seed::DEMO_APP_ID;
use crate::state::SandboxState;

const NODE_TYPE: &str = "WhatsAppFlow";
const DEFAULT_FIELDS: &[&str] = &[
    "id",
    "name",
    "categories",
    "preview",
    "status",
    "validation_errors",
    "json_version",
    "data_api_version",
    "endpoint_uri",
    "whatsapp_business_account",
    "application",
    "health_status",
];
/// The WABA fields a Flow carries (`whatsapp_business_account` in the 200 schema of
/// `GET /{Flow-ID}`; its `business_type` is not a field of the sandbox's WABAs).
const FLOW_WABA_FIELDS: &[&str] = &["id", "name", "timezone_id", "message_template_namespace"];
const LIST_FIELDS: &[&str] = &["id", "name", "status", "categories", "validation_errors"];
const PAGE_SIZE: PageSize = PageSize { default: 25, max: 100 };
/// Meta's Flow categories.
const CATEGORIES: &[&str] = &[
    "SIGN_UP",
    "SIGN_IN",
    "APPOINTMENT_BOOKING",
    "LEAD_GENERATION",
    "CONTACT_US",
    "CUSTOMER_SUPPORT",
    "SURVEY",
    "OTHER",
];
/// How long a preview URL stays valid: Meta's 30 days.
const PREVIEW_TTL_SECONDS: i64 = 30 * 24 * 3600;

fn value(state: &SandboxState, flow: &StoredFlow, field: &Field) -> Option<Option<Value>> {
    let set = |value: Value| Some(Some(value));
    let json_version = flow
        .flow_json
        .as_deref()
        .and_then(|text| serde_json::from_str::<Value>(text).ok())
        .and_then(|json| json["version"].as_str().map(str::to_owned));
    match field.name.as_str() {
        "id" => set(json!(flow.id)),
        "name" => set(json!(flow.name)),
        "categories" => set(json!(flow.categories)),
        "status" => set(json!(flow.status.as_str())),
        "validation_errors" => set(json!([])),
        "json_version" => Some(json_version.map(Value::String)),
        "data_api_version" => Some(flow.endpoint_uri.as_ref().map(|_| json!("3.0"))),
        "endpoint_uri" | "data_channel_uri" => Some(flow.endpoint_uri.clone().map(Value::String)),
        "preview" => set(json!({
            "preview_url": format!("https://business.facebook.com/wa/manage/flows/{}/preview/?token=sandbox", flow.id),
            "expires_at": super::nodes::graph_time(flow.updated_at + PREVIEW_TTL_SECONDS),
        })),
        "application" => set(
            json!({"id": DEMO_APP_ID, "name": state.oauth().apps().get(DEMO_APP_ID).map(|app| app.name).unwrap_or_default(), "link": format!("https://www.facebook.com/games/?app_id={DEMO_APP_ID}")}),
        ),
        "health_status" => set(
            json!({"can_send_message": "AVAILABLE", "entities": [{"entity_type": "FLOW", "id": flow.id, "can_send_message": "AVAILABLE"}]}),
        ),
        "updated_at" => set(json!(super::nodes::graph_time(flow.updated_at))),
        "metric" => set(json!({"name": "ENDPOINT_REQUEST_COUNT", "granularity": "DAY", "data_points": []})),
        _ => None,
    }
}

/// The Flow's WABA, an edge to another node: rendered by that node, with the fields the
/// Flow's schema lists for it unless the call selected others.
fn waba(state: &SandboxState, flow: &StoredFlow, field: &Field) -> Result<Option<Option<Value>>, GraphError> {
    let Some(waba) = state.businesses().waba(&flow.waba_id) else {
        return Ok(Some(None));
    };
    let selection = field.children.clone().unwrap_or_else(|| fields::plain(FLOW_WABA_FIELDS));
    Ok(Some(Some(Value::Object(waba_node::render(state, &waba, &selection)?))))
}

fn render(state: &SandboxState, flow: &StoredFlow, requested: &[Field]) -> Result<Map<String, Value>, GraphError> {
    fields::select(requested, NODE_TYPE, |field| match field.name.as_str() {
        "whatsapp_business_account" => waba(state, flow, field),
        _ => Ok(value(state, flow, field)),
    })
}

pub(super) fn list(state: &SandboxState, call: &GraphCall, waba: &Waba) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT, MESSAGING])?;
    let requested = fields::requested(call, LIST_FIELDS)?;
    let flows = state.flows().list(&waba.id);
    let ids: Vec<&str> = flows.iter().map(|flow| flow.id.as_str()).collect();
    let page = paging::page(state, call, &ids, &PAGE_SIZE, &format!("{}/flows", waba.id))?;
    let data = flows[page.range]
        .iter()
        .map(|flow| render(state, flow, &requested).map(Value::Object))
        .collect::<Result<Vec<_>, _>>()?;
    let mut body = json!({"data": data});
    if let Some(paging) = page.paging {
        body["paging"] = paging;
    }
    Ok(Json(body).into_response())
}

pub(super) fn get(state: &SandboxState, call: &GraphCall, flow: &StoredFlow) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT, MESSAGING])?;
    Ok(Json(render(state, flow, &fields::requested(call, DEFAULT_FIELDS)?)?).into_response())
}

/// `categories` as Graph takes it: a JSON array, or its text (`["SURVEY"]`) from a form.
fn categories(params: &Map<String, Value>) -> Result<Option<Vec<String>>, GraphError> {
    let Some(raw) = params.get("categories") else { return Ok(None) };
    let parsed = match raw {
        Value::String(text) => serde_json::from_str::<Value>(text).unwrap_or_else(|_| json!([text])),
        other => other.clone(),
    };
    let list: Vec<String> = parsed
        .as_array()
        .map(|items| items.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    if list.is_empty() {
        return Err(GraphError::invalid_parameter("Param categories must be a non-empty array."));
    }
    if let Some(unknown) = list.iter().find(|category| !CATEGORIES.contains(&category.as_str())) {
        return Err(GraphError::invalid_parameter(format!("Param categories[0] has an invalid value '{unknown}'.")));
    }
    Ok(Some(list))
}

fn endpoint_uri(params: &Map<String, Value>) -> Result<Option<String>, GraphError> {
    match params.get("endpoint_uri").and_then(Value::as_str) {
        None => Ok(None),
        Some(uri) if url::Url::parse(uri).is_ok_and(|url| url.scheme() == "https") => Ok(Some(uri.to_owned())),
        Some(_) => Err(GraphError::invalid_parameter("Param endpoint_uri must be a valid HTTPS URL.")),
    }
}

fn flow_json(text: &str) -> Result<String, GraphError> {
    let parsed: Value = serde_json::from_str(text)
        .map_err(|error| GraphError::invalid_parameter(format!("Flow JSON is not valid JSON: {error}")))?;
    if !parsed["version"].is_string() || !parsed["screens"].is_array() {
        return Err(GraphError::invalid_parameter("Flow JSON needs a version and screens."));
    }
    Ok(text.to_owned())
}

pub(super) async fn create(
    state: &SandboxState,
    call: &GraphCall,
    waba: &Waba,
    request: Request,
) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT])?;
    let body = params::read(call, request).await?;
    let name = params::text(&body, "name")?.to_owned();
    let categories = categories(&body)?.ok_or_else(|| GraphError::missing_parameter("categories"))?;
    let cloned_json = match body.get("clone_flow_id").and_then(Value::as_str) {
        None => None,
        Some(id) => {
            state
                .flows()
                .get(id)
                .filter(|flow| flow.waba_id == waba.id)
                .ok_or_else(|| GraphError::invalid_parameter(format!("Flow {id} does not exist.")))?
                .flow_json
        }
    };
    let flow_json = match body.get("flow_json") {
        None => cloned_json,
        Some(Value::String(text)) => Some(flow_json(text)?),
        Some(other) => Some(flow_json(&other.to_string())?),
    };
    let publish = params::boolean(&body, "publish")?.unwrap_or(false);
    if publish && flow_json.is_none() {
        return Err(GraphError::missing_parameter("flow_json"));
    }
    let flow = StoredFlow {
        id: state.ids().next_id(),
        waba_id: waba.id.clone(),
        name,
        categories,
        status: if publish { FlowStatus::Published } else { FlowStatus::Draft },
        endpoint_uri: endpoint_uri(&body)?,
        flow_json,
        updated_at: call.now,
    };
    let id = flow.id.clone();
    if !state.flows().create(flow) {
        return Err(GraphError::invalid_parameter(format!(
            "A WABA can have at most {} Flows.",
            crate::flows::MAX_FLOWS_PER_WABA
        )));
    }
    Ok(Json(json!({"id": id, "success": true, "validation_errors": []})).into_response())
}

/// Meta's answer for a change a Flow's status does not allow.
fn wrong_status(flow: &StoredFlow, what: &str) -> GraphError {
    GraphError::invalid_parameter(format!("Flow {} is {}: {what}", flow.id, flow.status.as_str()))
        .with_subcode(4_016_019)
}

pub(super) async fn update(
    state: &SandboxState,
    call: &GraphCall,
    flow: &StoredFlow,
    request: Request,
) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT])?;
    let body = params::read(call, request).await?;
    let name = body.get("name").and_then(Value::as_str).map(str::to_owned);
    let categories = categories(&body)?;
    let endpoint = endpoint_uri(&body)?;
    if flow.status == FlowStatus::Deprecated {
        return Err(wrong_status(flow, "a deprecated Flow can't be changed."));
    }
    state.flows().update(&flow.id, |stored| {
        stored.name = name.unwrap_or_else(|| stored.name.clone());
        stored.categories = categories.unwrap_or_else(|| stored.categories.clone());
        if endpoint.is_some() {
            stored.endpoint_uri = endpoint;
        }
        stored.updated_at = call.now;
    });
    Ok(success())
}

pub(super) fn delete(state: &SandboxState, call: &GraphCall, flow: &StoredFlow) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT])?;
    if flow.status != FlowStatus::Draft {
        return Err(wrong_status(flow, "only draft Flows can be deleted; deprecate it instead."));
    }
    state.flows().remove(&flow.id);
    Ok(success())
}

pub(super) fn assets(state: &SandboxState, call: &GraphCall, flow: &StoredFlow) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT, MESSAGING])?;
    let data: Vec<Value> = flow
        .flow_json
        .iter()
        .map(|_| json!({"name": "flow.json", "asset_type": "FLOW_JSON", "download_url": format!("{}/__sandbox/flows/{}/flow.json", state.public_url(), flow.id)}))
        .collect();
    Ok(Json(json!({"data": data})).into_response())
}

/// `POST /{flow_id}/assets`: `name=flow.json`, `asset_type=FLOW_JSON` and the `file`.
pub(super) async fn upload_asset(
    state: &SandboxState,
    call: &GraphCall,
    flow: &StoredFlow,
    request: Request,
) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT])?;
    let body = params::read(call, request).await?;
    if params::text(&body, "asset_type")? != "FLOW_JSON" {
        return Err(GraphError::invalid_parameter("Param asset_type must be FLOW_JSON."));
    }
    let text = flow_json(params::text(&body, "file")?)?;
    if flow.status != FlowStatus::Draft {
        return Err(wrong_status(flow, "only a draft Flow's JSON can be changed."));
    }
    state.flows().update(&flow.id, |stored| {
        stored.flow_json = Some(text);
        stored.updated_at = call.now;
    });
    Ok(Json(json!({"success": true, "validation_errors": []})).into_response())
}

pub(super) fn publish(state: &SandboxState, call: &GraphCall, flow: &StoredFlow) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT])?;
    if flow.status != FlowStatus::Draft {
        return Err(wrong_status(flow, "only draft Flows can be published."));
    }
    if flow.flow_json.is_none() {
        return Err(GraphError::invalid_parameter("Publishing a Flow needs its Flow JSON: upload flow.json first."));
    }
    state.flows().update(&flow.id, |stored| stored.status = FlowStatus::Published);
    Ok(success())
}

pub(super) fn deprecate(state: &SandboxState, call: &GraphCall, flow: &StoredFlow) -> Result<Response, GraphError> {
    call.require_any(&[MANAGEMENT])?;
    if flow.status != FlowStatus::Published {
        return Err(wrong_status(flow, "only published Flows can be deprecated."));
    }
    state.flows().update(&flow.id, |stored| stored.status = FlowStatus::Deprecated);
    Ok(success())
}
