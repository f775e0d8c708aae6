//! The WhatsApp Cloud API's message model and Meta's rules, in one place: the sandbox
//! enforces them and the SDK builds on them, so neither holds a WhatsApp rule of its own.
//!
//! This crate does no IO and knows nothing of HTTP servers or clients.
//!
//! - [`message`]: what `POST /{phone_number_id}/messages` carries, one module per type.
//! - [`template`]: templates as created, and matching a send's parameters to them.
//! - [`media`]: accepted MIME types and size limits.
//! - [`business_profile`]: the business profile and its update rules.
//! - [`phone`]: how Meta turns `to` into a WhatsApp id.
//! - [`limits`]: every numeric limit, in one table.
//! - [`violation`]: the typed error every rule returns (field + broken limit).
//! - [`webhook`]: Meta's webhook payloads as received, read leniently.
//! - [`error_code`], [`graph_error`], [`responses`]: Graph's wire shapes and error codes.

pub mod business_profile;
pub mod error_code;
pub mod event_type;
pub mod graph_error;
pub mod limits;
pub mod media;
pub mod message;
pub mod phone;
pub mod responses;
pub mod template;
pub mod violation;
pub mod webhook;

pub use violation::{Field, ValidationError, Violation};
