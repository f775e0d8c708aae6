//! End-to-end tests of the client commands: the real `wabagate` binary against a real
//! `wabagate serve --demo` (gateway plus in-process sandbox), asserting on what the user
//! sees (stdout, stderr, exit code) and on what the sandbox received.

#![allow(unreachable_pub, reason = "items of the support module are shared by the test modules, not exported")]

#[allow(dead_code, reason = "only the command builder of the cli tests' support is used here")]
#[path = "../cli/support.rs"]
mod process;
#[path = "../cli/sandbox_dialog.rs"]
mod sandbox_dialog;
mod support;

mod api;
mod clients_doc;
mod completions;
mod connections;
mod conventions;
mod errors;
mod events;
mod examples;
mod ledger;
mod login;
mod media;
mod openapi;
mod phone_numbers;
mod profile;
mod send;
mod templates;
