//! Messages Meta sends only after the business set something up: product and catalog
//! messages need a catalog, Flow messages a Flow of the WABA (published, unless sent in
//! `draft` mode), calling messages calling enabled. Refused with Meta's 131009 otherwise.

use serde_json::Value;
use wabagate_model::error_code;
use wabagate_model::message::{Interactive, MessageContent};

use super::error::GraphError;
use super::{commerce, settings};
use crate::business::PhoneNumber;
use crate::flows::FlowStatus;
use crate::state::SandboxState;

pub(super) fn check(state: &SandboxState, number: &PhoneNumber, content: &MessageContent) -> Result<(), GraphError> {
    let MessageContent::Interactive(Interactive::Other(interactive)) = content else { return Ok(()) };
    let refuse = |details: String| Err(GraphError::whatsapp(error_code::PARAMETER_VALUE_INVALID, details));
    match interactive["type"].as_str().unwrap_or_default() {
        "product" | "product_list" | "catalog_message" if !commerce::has_catalog(state, number) => refuse(
            "No catalog is connected to this phone number: connect one (whatsapp_commerce_settings) first.".into(),
        ),
        "flow" => check_flow(state, number, &interactive["action"]["parameters"]),
        "voice_call" | "call_permission_request" if !settings::calling_enabled(state, number) => {
            refuse("Calling is not enabled for this phone number.".into())
        }
        _ => Ok(()),
    }
}

fn check_flow(state: &SandboxState, number: &PhoneNumber, parameters: &Value) -> Result<(), GraphError> {
    let refuse = |details: String| Err(GraphError::whatsapp(error_code::PARAMETER_VALUE_INVALID, details));
    let flows = state.flows().list(&number.waba_id);
    let flow = match (parameters["flow_id"].as_str(), parameters["flow_name"].as_str()) {
        (Some(id), _) => flows.into_iter().find(|flow| flow.id == id),
        (None, Some(name)) => flows.into_iter().find(|flow| flow.name == name),
        (None, None) => return refuse("action.parameters needs flow_id or flow_name.".into()),
    };
    let draft_mode = parameters["mode"].as_str().is_some_and(|mode| mode.eq_ignore_ascii_case("draft"));
    match flow {
        None => refuse("The Flow does not exist in this WhatsApp Business Account.".into()),
        Some(flow) if flow.status == FlowStatus::Published || (draft_mode && flow.status == FlowStatus::Draft) => {
            Ok(())
        }
        Some(flow) => refuse(format!(
            "Flow {} is {}: only published Flows can be sent (or drafts with mode draft).",
            flow.id,
            flow.status.as_str()
        )),
    }
}
