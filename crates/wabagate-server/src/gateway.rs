//! The gateway: `ANY /whatsapp-business/{native Graph API path}`, authenticated with an API
//! key, forwarded to the upstream with the chosen connection's token.
//!
//! - [`path_guard`]: which paths may be forwarded at all.
//! - [`pick_connection`]: which connection carries a request.
//! - [`headers`]: what the upstream and the caller see of each other's headers.
//! - [`proxy`]: the forwarding, streaming both ways.
//! - [`media`]: media bytes in one call, token injected.
//! - [`media_link`]: a media lookup's `url` rewritten to a gateway link, and that link served.

mod headers;
mod media;
mod media_link;
mod path_guard;
mod pick_connection;
mod proxy;

use axum::Router;
use axum::routing::{any, get};

use crate::error::ApiError;
use crate::state::AppState;

pub(crate) use media_link::KEY_PURPOSE as MEDIA_LINK_KEY_PURPOSE;
pub(crate) use pick_connection::APP;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/whatsapp-business/media/{media_id}/content", get(media::download))
        .route("/whatsapp-business/media/link/{reference}", get(media_link::download))
        .route("/whatsapp-business/{*graph_path}", any(proxy::forward))
        .route("/whatsapp-business", any(empty_path))
        .route("/whatsapp-business/", any(empty_path))
}

async fn empty_path() -> ApiError {
    ApiError::InvalidPath("the path is empty")
}
