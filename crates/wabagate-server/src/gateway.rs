//! The gateway: `ANY /whatsapp-business/{native Graph API path}`, authenticated with an API
//! key, forwarded to the upstream with the chosen connection's token.
//!
//! - [`path_guard`]: which paths may be forwarded at all.
//! - [`pick_connection`]: which connection carries a request.
//! - [`headers`]: what the upstream and the caller see of each other's headers.
//! - [`proxy`]: the forwarding, streaming both ways.
//! - [`media`]: media bytes in one call, token injected.
//! - [`send_ledger`]: sends (`POST /{phone_number_id}/messages`) recorded in the ledger.

mod headers;
pub(crate) mod media;
mod path_guard;
mod pick_connection;
mod proxy;
mod send_ledger;

use axum::Router;
use axum::routing::{any, get};

use crate::error::ApiError;
use crate::state::AppState;

pub(crate) use pick_connection::APP;
pub(crate) use proxy::enforce_rate_limit as proxy_rate_limit;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/whatsapp-business/media/{media_id}/content", get(media::download))
        .route("/whatsapp-business/{*graph_path}", any(proxy::forward))
        .route("/whatsapp-business", any(empty_path))
        .route("/whatsapp-business/", any(empty_path))
}

async fn empty_path() -> ApiError {
    ApiError::InvalidPath("the path is empty")
}
