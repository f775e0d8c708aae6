//! Integration tests of the gateway: a real server on an ephemeral port, a real SQLite file,
//! real HTTP to a real upstream. One binary, one link step.

#![allow(unreachable_pub, reason = "items of the support module are shared by the test modules, not exported")]

mod support;

mod authentication;
mod connect_flow;
mod connections_api;
mod inbound;
mod observability;
mod persistence;
mod rate_limit;
mod routing;
mod transparency;
mod upstream_failures;
