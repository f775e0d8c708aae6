//! Inbound: Meta's webhooks received once for every tenant, stored before they are
//! answered, applied to the message ledger from the stored rows, and the ledger's API.
//!
//! - [`intake`]: `GET /meta/webhooks` (the handshake) and `POST /meta/webhooks` (verify the
//!   signature over the exact bytes, store, answer 200).
//! - [`signature`]: `X-Hub-Signature-256`, checked in constant time against the app secret
//!   and, while rotating, the old one.
//! - [`processor`]: the task that applies stored bodies in arrival order, each in one
//!   transaction, and resumes after a crash; also old bodies' retention.
//! - [`apply`]: one notification's entries, changes and items → routes and ledger writes;
//!   unknown numbers and WABAs kept as unrouted, replayed by [`reroute`].
//! - [`api`] and [`views`]: `/messages`, `/conversations`, `/templates` and their JSON.
//! - [`media_cache`]: inbound media fetched on arrival, hash-checked, kept 7 days.
//! - [`template_sync`]: `POST /templates/sync`, the WABA's template list fetched upstream.

mod api;
mod apply;
mod intake;
mod media_cache;
mod processor;
mod signature;
mod template_sync;
mod views;

use axum::Router;

use crate::state::AppState;

pub(crate) use api::digits;
pub use apply::{RerouteOutcome, reroute};
pub(crate) use processor::run as process;
pub(crate) use template_sync::mirrored as mirrored_template;
pub(crate) use views::Window;

pub(crate) fn router() -> Router<AppState> {
    intake::router().merge(api::router())
}
