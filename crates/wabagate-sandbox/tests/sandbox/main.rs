//! Integration tests of the sandbox over real HTTP: each test starts its own sandbox on
//! 127.0.0.1:0 and talks to it as a Graph client would.

mod auth;
mod business_admin;
mod contract;
mod control;
mod flows_and_calling;
mod group_messages;
mod media;
mod messages;
mod number_settings;
mod phone_numbers;
mod profile;
mod rate_limits;
mod reactions;
mod support;
mod template_admin;
mod templates;
mod uploads_and_apps;
