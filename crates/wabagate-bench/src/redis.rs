//! Redis for the backends benchmark: a `redis-server` of the benchmark's own on a free
//! loopback port (nothing kept on disk, its log in the temp dir), so its CPU time is the
//! rate limit's alone and no shared Redis is loaded. It is not pinned: like PostgreSQL, it
//! runs where the scheduler puts it.

use std::path::Path;

use anyhow::Context;

use crate::nginx::which;
use crate::process::{Pinned, free_port};

/// Both cores: `taskset` with every core is no pinning at all.
const ANY_CORE: &str = "0,1";

pub(crate) fn start(dir: &Path) -> anyhow::Result<Pinned> {
    let port = free_port()?;
    let log = dir.join("redis.log");
    let log = log.to_str().context("temp dir is not UTF-8")?;
    let dir = dir.to_str().context("temp dir is not UTF-8")?;
    let port_arg = port.to_string();
    let args = [
        "--port",
        &port_arg,
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        dir,
        "--logfile",
        log,
    ];
    let program = which("redis-server").context("the backends benchmark runs its own Redis")?;
    Pinned::start(ANY_CORE, &program, &args, Some(port))
}
