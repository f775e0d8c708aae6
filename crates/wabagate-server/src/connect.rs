//! The browser connect flow: a business opens its connection's `url`, is sent to Meta's OAuth
//! dialog, and comes back to `/oauth/callback`, where the token is exchanged, inspected and
//! stored and the connection turns ACTIVE (or FAILED, with the reason).
//!
//! - [`page`]: `GET /connect?session_token=…`, the start page, and `POST /connect`, its
//!   Connect button (single use).
//! - [`callback`]: `GET /oauth/callback`, the end of the flow.
//! - [`html`]: the small server-rendered pages both show.

mod callback;
mod html;
mod page;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

/// What the dialog asks for when no Login-for-Business configuration is set.
pub(crate) const WHATSAPP_SCOPES: [&str; 2] = ["whatsapp_business_management", "whatsapp_business_messaging"];

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/connect", get(page::show).post(page::start)).route("/oauth/callback", get(callback::finish))
}

/// Where Meta sends the browser back to: must be registered in the Meta app's
/// "Valid OAuth Redirect URIs".
pub(crate) fn redirect_uri(state: &AppState) -> String {
    state.config().public_url.join("oauth/callback").expect("a valid relative URL").into()
}
