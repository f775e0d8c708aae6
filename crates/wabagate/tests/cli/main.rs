//! End-to-end tests of the `wabagate` executable: real processes, real ports, real files.

#![allow(unreachable_pub, reason = "items of the support module are shared by the test modules, not exported")]

mod support;

mod admin;
mod config_file;
mod demo;
mod inbound;
mod lifecycle;
mod logs;
mod multi_instance;
mod operator_mistakes;
mod outbound_events;
mod sandbox_dialog;
mod sandbox_state;
mod streaming_memory;
