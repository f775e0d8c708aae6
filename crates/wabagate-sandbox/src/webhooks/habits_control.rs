//! Control endpoints for Meta's delivery habits and redeliveries:
//! `GET|POST /__sandbox/webhooks/mode` (see [`super::habits`]),
//! `POST /__sandbox/webhooks/release` (let go of held and batched notifications) and
//! `POST /__sandbox/webhooks/deliveries/{id}/redeliver` (the same bytes again).

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use serde_json::{Value, json};

use crate::state::SandboxState;

use super::control_error::ControlError;
use super::habits::{HabitMode, ModeView};
use super::{Dispatch, sent_bodies};

pub(super) async fn show_mode(State(state): State<SandboxState>) -> Json<ModeView> {
    Json(state.webhooks().habits().mode())
}

/// Replaces the mode; anything no longer held goes out.
pub(super) async fn set_mode(
    State(state): State<SandboxState>,
    body: Result<Json<HabitMode>, JsonRejection>,
) -> Result<Json<ModeView>, ControlError> {
    let Json(mode) = body.map_err(|rejection| {
        ControlError::bad_request(format!(
            "The mode is {{\"duplicate\": n, \"reorder\": \"reverse\"|\"shuffle\"|null, \"batch\": n}}: {}",
            rejection.body_text()
        ))
    })?;
    let webhooks = state.webhooks();
    webhooks.habits().set_mode(mode).into_iter().for_each(|outgoing| webhooks.dispatch(Dispatch::Notify(outgoing)));
    Ok(Json(webhooks.habits().mode()))
}

/// Delivers what is held: reordered statuses and partial batches. Answers how many POSTs
/// that makes per subscribed app.
pub(super) async fn release(State(state): State<SandboxState>) -> Json<Value> {
    let webhooks = state.webhooks();
    let released = webhooks.habits().release();
    let count = released.len();
    released.into_iter().for_each(|outgoing| webhooks.dispatch(Dispatch::Notify(outgoing)));
    Json(json!({ "released": count }))
}

/// POSTs a past delivery again, byte for byte with its signature, to the URL it went to.
pub(super) async fn redeliver(
    State(state): State<SandboxState>,
    Path(delivery_id): Path<u64>,
) -> Result<Json<Value>, ControlError> {
    let post = state.webhooks().sent_bodies().get(delivery_id).ok_or_else(|| {
        ControlError::not_found(format!(
            "Delivery {delivery_id} is unknown or too old (the last {} are kept)",
            sent_bodies::CAPACITY
        ))
    })?;
    state.webhooks().dispatch(Dispatch::Redeliver(post));
    Ok(Json(json!({ "success": true })))
}
