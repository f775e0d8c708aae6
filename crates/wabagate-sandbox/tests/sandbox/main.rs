//! Integration tests of the sandbox over real HTTP: each test starts its own sandbox on
//! 127.0.0.1:0 and talks to it as a Graph client would.

mod auth;
mod contract;
mod control;
mod json_schema;
mod media;
mod messages;
mod pattern;
mod phone_numbers;
mod profile;
mod rate_limits;
mod reactions;
mod support;
mod templates;
