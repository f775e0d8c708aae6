//! Integration tests of the gateway: a real server on an ephemeral port, a real SQLite file,
//! real HTTP to a real upstream. One binary, one link step.

#![allow(unreachable_pub, reason = "items of the support module are shared by the test modules, not exported")]

mod support;

mod authentication;
mod connect_flow;
mod connect_for_apps;
mod connection_limits;
mod connections_api;
mod global_rate_limit;
mod hostile_clients;
mod inbound;
mod media_links;
mod metrics_catalogue;
mod observability;
mod outbound_events;
mod persistence;
mod rate_limit;
mod redis_server;
mod routing;
mod transparency;
mod upstream_failures;
