//! Meta's OAuth side: the login dialog (`/{version}/dialog/oauth`), the token endpoint
//! (`/{version}/oauth/access_token`) and token inspection (`/{version}/debug_token`),
//! following meta-oauth-and-webhooks.md §1–§6. It mints codes and tokens into the shared
//! [`crate::tokens::TokenRegistry`]; it does not serve WhatsApp Graph operations.
//!
//! - [`apps`]: registered apps, redirect allow-lists, Login for Business configurations.
//! - [`codes`]: single-use authorization codes.
//! - `dialog` (with `dialog_page`, `dialog_error`): consent, denial, Embedded Signup session info.
//! - `access_token`, `debug_token`: the JSON endpoints.
//! - [`graph_error`]: Meta's error envelope; [`bearer`]: reading the presented token.

pub mod apps;
pub mod args;
pub mod bearer;
pub mod codes;
pub mod graph_error;
pub mod lifetimes;

mod access_token;
mod debug_token;
mod dialog;
mod dialog_error;
mod dialog_page;
mod redirect_uris;

use std::sync::RwLock;

use axum::Router;
use axum::routing::{get, put};

use crate::state::SandboxState;

pub use crate::graph::error::GraphError;
pub use apps::{LoginConfiguration, MetaApp, MetaApps, RedirectPolicy};
pub use args::OAuthArgs;
pub use codes::AuthorizationCodes;
pub use lifetimes::Lifetimes;

/// The OAuth side's part of [`SandboxState`]: apps, outstanding codes, lifetimes.
#[derive(Debug, Default)]
pub struct OAuthState {
    apps: MetaApps,
    codes: AuthorizationCodes,
    lifetimes: RwLock<Lifetimes>,
}

impl OAuthState {
    pub fn apps(&self) -> &MetaApps {
        &self.apps
    }

    pub fn codes(&self) -> &AuthorizationCodes {
        &self.codes
    }

    pub fn lifetimes(&self) -> Lifetimes {
        *self.lifetimes.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn set_lifetimes(&self, lifetimes: Lifetimes) {
        *self.lifetimes.write().unwrap_or_else(std::sync::PoisonError::into_inner) = lifetimes;
    }
}

/// The OAuth routes, versioned (`/v23.0/…`) and unversioned as Meta accepts both, plus the
/// control endpoint `PUT /__sandbox/apps/{app_id}/redirect_uris`.
pub fn router() -> Router<SandboxState> {
    Router::new()
        .route("/dialog/oauth", get(dialog::show).post(dialog::decide))
        .route("/{version}/dialog/oauth", get(dialog::show).post(dialog::decide))
        .route("/oauth/access_token", get(access_token::exchange).post(access_token::exchange))
        .route("/{version}/oauth/access_token", get(access_token::exchange).post(access_token::exchange))
        .route("/debug_token", get(debug_token::inspect))
        .route("/{version}/debug_token", get(debug_token::inspect))
        .route("/__sandbox/apps/{app_id}/redirect_uris", put(redirect_uris::replace))
}
