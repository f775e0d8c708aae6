//! The sandbox: an offline emulator of Meta's side of the WhatsApp Business Platform.
//!
//! It serves the Graph API operations wabagate proxies (messages, media, templates,
//! phone numbers, business profile), Meta's OAuth dialog and token endpoints, and
//! delivers signed webhooks, all from in-memory state seeded with a demo business.
//! `wabagate serve` starts it in-process as its default upstream; `wabagate sandbox`
//! runs it alone. Meta's rules come from `wabagate-model`; nothing here is a rule of
//! our own.
//!
//! Module map (each module owns one part of Meta):
//! - [`clock`]: the sandbox's notion of "now", movable forward by tests.
//! - [`tokens`]: access tokens, their scopes, owners and expiry.
//! - [`events`]: what happened (a message accepted, a template approved, an inbound
//!   message) for the webhook deliverer to turn into Meta's payloads.
//! - [`seed`]: the demo business every sandbox starts with.
//! - [`windows`]: customers' 24-hour service windows.
//! - [`state`]: the one `SandboxState` every handler shares.
//! - [`directory`]: the seam through which the Meta side reads which WABAs and numbers exist.
//! - [`oauth`]: Meta's login dialog, token endpoint and `debug_token`.
//! - [`webhooks`]: `subscribed_apps`, the verification handshake, signed deliveries, inbound messages.

pub mod clock;
pub mod directory;
pub mod events;
pub mod oauth;
pub mod seed;
pub mod state;
pub mod tokens;
pub mod webhooks;
pub mod windows;

pub use clock::Clock;
pub use seed::DemoBusiness;
pub use state::SandboxState;
