//! The sandbox: an offline emulator of Meta's side of the WhatsApp Business Platform.
//!
//! It serves the Graph API operations WhatsApp clients call (messages, media, templates,
//! phone numbers and their settings, business profile, Flows, calling, uploads; the
//! sandbox README lists them), Meta's OAuth dialog and token endpoints, and
//! delivers signed webhooks, all from in-memory state seeded with a demo business.
//! `wabagate serve` starts it in-process as its default upstream; `wabagate sandbox`
//! runs it alone. Meta's rules come from `wabagate-model`; nothing here is a rule of
//! our own.
//!
//! Module map (each module owns one part of Meta):
//! - [`server`]: [`spawn`] and [`SandboxHandle`], the entry point for embedding and tests.
//! - [`router`]: the HTTP surface and its middleware; `unread_body` reads refused uploads
//!   to their end so clients see the error, not a reset.
//! - [`graph`]: the Graph API, dispatched by what an id names.
//! - [`control`]: the `/__sandbox/…` test controls (clock, tokens, inspection).
//! - [`config`]: the settings of one sandbox.
//! - [`clock`]: the sandbox's notion of "now", movable forward by tests.
//! - [`tokens`]: access tokens, their scopes, owners and expiry.
//! - [`business`], [`templates`], [`media_store`], [`windows`], [`number_settings`],
//!   [`flows`], [`groups`], [`signups`], [`upload_sessions`]: what Meta stores.
//! - [`rate_limit`]: throughput and pair-rate limits.
//! - [`events`]: what happened (a message accepted, a template approved, an inbound
//!   message) for the webhook deliverer to turn into Meta's payloads.
//! - [`recorder`], [`sent_log`]: what "Meta" received, for tests.
//! - [`seed`]: the demo business every sandbox starts with.
//! - [`persist`]: the `--state` file.
//! - [`state`]: the one `SandboxState` every handler shares.
//! - [`cli`]: `wabagate sandbox`.
//! - [`directory`]: the seam through which the Meta side reads which WABAs and numbers exist.
//! - [`oauth`]: Meta's login dialog, token endpoint and `debug_token`.
//! - [`webhooks`]: `subscribed_apps`, the verification handshake, signed deliveries, inbound messages.

pub mod bounded_log;
pub mod business;
pub mod cli;
pub mod clock;
pub mod config;
pub mod control;
pub mod directory;
pub mod events;
pub mod flows;
pub mod graph;
pub mod groups;
pub mod ids;
pub mod media_store;
pub mod number_settings;
pub mod oauth;
mod pacific_time;
pub mod persist;
pub mod rate_limit;
pub mod recorder;
pub mod router;
pub mod seed;
pub mod sent_log;
pub mod server;
pub mod signups;
pub mod state;
pub mod templates;
pub mod tokens;
mod unread_body;
pub mod upload_sessions;
pub mod webhooks;
pub mod windows;

pub use clock::Clock;
pub use config::{PairRate, SandboxConfig};
pub use recorder::RecordedRequest;
pub use router::router;
pub use seed::DemoBusiness;
pub use server::{SandboxHandle, spawn};
pub use state::SandboxState;
