//! End-to-end tests of the `wabagate` executable: real processes, real ports, real files.

#![allow(unreachable_pub, reason = "items of the support module are shared by the test modules, not exported")]

mod support;

#[path = "../../../wabagate-server/tests/gateway/redis_server.rs"]
#[allow(dead_code, reason = "the gateway tests' Redis helper, of which these tests use a part")]
mod redis_server;

mod admin;
mod config_file;
mod demo;
mod deployment_files;
mod inbound;
mod instance_failures;
mod lifecycle;
mod logs;
mod multi_instance;
mod operator_mistakes;
mod outbound_events;
mod redis_tls;
mod sandbox_dialog;
mod sandbox_state;
mod scale_out_rate_limit;
mod streaming_memory;
