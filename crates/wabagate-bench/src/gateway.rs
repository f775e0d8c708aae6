//! `wabagate serve` under test: the optimised binary beside the benchmark, pinned to the
//! proxy core, in front of the canned upstream, with auth, rate limiting, metrics and the
//! access log all on, as a user runs it.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::process::{PROXY_CORE, Pinned};

/// The `wabagate` built beside this benchmark (`cargo build --profile bench-guard --workspace
/// --bins`, which `scripts/bench` runs first): the same profile, the same features.
pub(crate) fn sibling_binary() -> anyhow::Result<PathBuf> {
    let me = std::env::current_exe().context("locating the benchmark's own binary")?;
    let binary = me.with_file_name("wabagate");
    if !binary.is_file() {
        bail!("{} is missing: run `scripts/bench`, which builds it first", binary.display());
    }
    Ok(binary)
}

/// Starts `wabagate serve` on a seeded data dir; `wrapper` (e.g. valgrind) runs it when given.
pub(crate) fn start(
    binary: &Path,
    data_dir: &Path,
    upstream_url: &str,
    rate_limit: u32,
    wrapper: &[&str],
) -> anyhow::Result<Pinned> {
    start_with(binary, data_dir, upstream_url, rate_limit, &[], wrapper)
}

/// [`start`] with more `serve` flags: `--database-url …` and `--redis-url …` for the backends
/// benchmark (`data_dir` then holds the master key and the lock only).
pub(crate) fn start_with(
    binary: &Path,
    data_dir: &Path,
    upstream_url: &str,
    rate_limit: u32,
    flags: &[&str],
    wrapper: &[&str],
) -> anyhow::Result<Pinned> {
    let binary = binary.to_str().context("binary path")?;
    let data_dir = data_dir.to_str().context("data dir path")?;
    let rate_limit = rate_limit.to_string();
    let serve = [
        binary,
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        data_dir,
        "--upstream",
        upstream_url,
        "--rate-limit",
        &rate_limit,
    ];
    let args: Vec<&str> = wrapper.iter().copied().chain(serve).chain(flags.iter().copied()).collect();
    let (program, args) = args.split_first().expect("serve has a program");
    Pinned::start(PROXY_CORE, &crate::nginx::which_or_path(program)?, args, None)
}
