//! The gateway: `ANY /whatsapp-business/{native Graph API path}`, authenticated with an API
//! key, forwarded to the upstream with the chosen connection's token.
//!
//! - [`path_guard`]: which paths may be forwarded at all.
//! - [`pick_connection`]: which connection carries a request; [`cached_connection`] is a
//!   connection with its upstream `Authorization` value built once.
//! - [`headers`]: what the upstream and the caller see of each other's headers.
//! - [`proxy`]: the forwarding, streaming both ways; [`sent_body`] tells it when the
//!   request body is all sent, which starts the upstream timeout.
//! - [`media`]: media bytes in one call, token injected.
//! - [`media_link`]: a media lookup's `url` rewritten to a gateway link, and that link served.
//! - [`send_ledger`]: sends (`POST /{phone_number_id}/messages`) recorded in the ledger.
//! - [`template_list`]: template lists (`GET /{waba_id}/message_templates`) copied to the mirror.

pub(crate) mod cached_connection;
mod graph_path;
mod headers;
pub(crate) mod media;
mod media_link;
mod path_guard;
mod pick_connection;
mod proxy;
mod send_ledger;
mod sent_body;
mod template_list;

use axum::Router;
use axum::routing::{MethodRouter, any, get};

use crate::error::ApiError;
use crate::state::AppState;

pub(crate) use media_link::KEY_PURPOSE as MEDIA_LINK_KEY_PURPOSE;
pub(crate) use pick_connection::APP;
pub(crate) use proxy::enforce_rate_limit as proxy_rate_limit;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/whatsapp-business/media/{media_id}/content", get(media::download))
        .route("/whatsapp-business/media/link/{reference}", get(media_link::download))
        .route("/whatsapp-business/{*graph_path}", graph_methods())
        .route("/whatsapp-business", any(empty_path))
        .route("/whatsapp-business/", any(empty_path))
}

/// The methods Meta's Graph API uses (its OpenAPI description has no PUT or PATCH); any
/// other (HEAD, which axum would route to GET, CONNECT, TRACE, made-up ones) is answered here
/// and never forwarded.
fn graph_methods() -> MethodRouter<AppState> {
    let not_allowed = || async { ApiError::MethodNotAllowed };
    get(proxy::forward).post(proxy::forward).delete(proxy::forward).head(not_allowed).fallback(not_allowed)
}

async fn empty_path() -> ApiError {
    ApiError::InvalidPath("the path is empty")
}
