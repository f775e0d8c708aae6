//! The CI guard: wabagate's instructions per proxied request, counted by callgrind on a short
//! fixed scenario, against the figure committed in `instructions-per-request.txt`. A change
//! that costs more than 10 % fails CI; a deliberate one updates the figure in the same commit
//! (`cargo run -p wabagate-bench -- guard --update`).
//!
//! The figure is the debug build's (the `dev` profile, dependencies at `opt-level = 1`): CI has
//! that build already from its tests, while an optimised one costs CI ten more minutes on two
//! cores (docs/performance.md, "The CI guard"). A figure means one build profile only: from an
//! optimised build the guard prints its figure and compares nothing.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::process::Pinned;
use crate::scenarios::{port_of, wabagate_instructions};
use crate::{gateway, tenants};

/// How much above the committed figure still passes.
const TOLERANCE: f64 = 1.10;

fn committed_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("instructions-per-request.txt")
}

pub(crate) async fn run(update: bool, keep_profiles: Option<&Path>) -> anyhow::Result<()> {
    let debug_build = cfg!(debug_assertions);
    if update && !debug_build {
        bail!(
            "the committed figure is the debug build's: update it with `cargo run -p wabagate-bench -- guard --update`"
        );
    }
    let binary = gateway::sibling_binary()?;
    let dir = tempfile::tempdir()?;
    let data_dir = dir.path().join("data");
    let key = tenants::seed(&data_dir, 1).await?.remove(0);
    let me = std::env::current_exe()?;
    let upstream = Pinned::start(crate::process::LOAD_CORE, &me, &["upstream", "--listen", "127.0.0.1:0"], None)?;
    port_of(&upstream.base_url)?;
    let measured = wabagate_instructions(&binary, &upstream.base_url, &key, &data_dir, keep_profiles).await?;
    if !debug_build {
        println!(
            "instructions per request: {measured:.0} (an optimised build: not compared with the committed figure, the debug build's)"
        );
        return Ok(());
    }
    let file = committed_file();
    if update {
        std::fs::write(&file, format!("{measured:.0}\n"))?;
        println!("instructions per request: {measured:.0}, written to {}", file.display());
        return Ok(());
    }
    let committed: f64 = std::fs::read_to_string(&file)
        .with_context(|| format!("reading {}", file.display()))?
        .trim()
        .parse()
        .context("the committed figure is not a number")?;
    let ratio = measured / committed;
    println!("instructions per request: {measured:.0} (committed {committed:.0}, {ratio:.2}×)");
    if ratio > TOLERANCE {
        bail!(
            "wabagate now costs {measured:.0} instructions per proxied request, more than 10 % above the committed {committed:.0}; \
             make it cheaper, or if the cost is deliberate run `cargo run -p wabagate-bench -- guard --update` and commit the figure"
        );
    }
    Ok(())
}
