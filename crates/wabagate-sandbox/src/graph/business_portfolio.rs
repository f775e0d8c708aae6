//! The business portfolio's WABA edges: `GET /{business_id}/owned_whatsapp_business_accounts`
//! (the WABAs it owns) and `GET /{business_id}/client_whatsapp_business_accounts` (those
//! its clients shared with it), each a `WhatsAppBusinessAccountsConnection` of WABA nodes
//! in Meta's OpenAPI description. The demo business owns the demo WABA and has no clients.

use axum::Json;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::error::GraphError;
use super::nodes::waba as waba_node;
use super::paging::{self, PageSize};
use super::request::GraphCall;
use super::{MANAGEMENT, fields};
use crate::business::Waba;
use crate::state::SandboxState;

/// The permission the business edges need besides WhatsApp management.
pub(super) const BUSINESS_MANAGEMENT: &str = "business_management";
const PAGE_SIZE: PageSize = PageSize { default: 25, max: 100 };

/// Whose WABAs an edge lists.
#[derive(Debug, Clone, Copy)]
pub(super) enum Relation {
    Owned,
    Client,
}

pub(super) fn wabas(
    state: &SandboxState,
    call: &GraphCall,
    business_id: &str,
    relation: Relation,
) -> Result<Response, GraphError> {
    call.require_any(&[BUSINESS_MANAGEMENT, MANAGEMENT])?;
    let requested = fields::requested(call, waba_node::DEFAULT_FIELDS)?;
    let wabas: Vec<Waba> = match relation {
        // Every WABA of the sandbox belongs to the demo business; the token sees its own.
        Relation::Owned => {
            state.businesses().all_wabas().into_iter().filter(|waba| call.token.may_use_waba(&waba.id)).collect()
        }
        Relation::Client => Vec::new(),
    };
    let ids: Vec<&str> = wabas.iter().map(|waba| waba.id.as_str()).collect();
    let edge = match relation {
        Relation::Owned => "owned_whatsapp_business_accounts",
        Relation::Client => "client_whatsapp_business_accounts",
    };
    let page = paging::page(state, call, &ids, &PAGE_SIZE, &format!("{business_id}/{edge}"))?;
    let data = wabas[page.range]
        .iter()
        .map(|waba| waba_node::render(state, waba, &requested).map(Value::Object))
        .collect::<Result<Vec<_>, _>>()?;
    let mut body = json!({"data": data});
    if let Some(paging) = page.paging {
        body["paging"] = paging;
    }
    Ok(Json(body).into_response())
}
