//! `wabagate-bench serve`: the single-account set-up of the benchmark, left running for a
//! person to look into (`perf record -p`, `strace -c -p`, a wrk of their own): the canned
//! upstream and one `wabagate serve` pinned as the benchmark pins them, until stdin closes
//! or Ctrl-C.

use std::io::Read;

use crate::scenarios::{NEVER_REFUSE, SEND_PATH, start_upstream};
use crate::wrk::{SEND_BODY, write_script};
use crate::{gateway, tenants};

pub(crate) async fn run() -> anyhow::Result<()> {
    let binary = gateway::sibling_binary()?;
    let dir = tempfile::tempdir()?;
    let data_dir = dir.path().join("data");
    let key = tenants::seed(&data_dir, 1).await?.remove(0);
    let keys_file = dir.path().join("send.keys");
    std::fs::write(&keys_file, &key)?;
    let script = dir.path().join("send.lua");
    write_script(&script)?;
    let upstream = start_upstream()?;
    let wabagate = gateway::start(&binary, &data_dir, &upstream.base_url, NEVER_REFUSE, &[])?;
    println!("wabagate (pid {}) on core 0: {}{SEND_PATH}", wabagate.pid(), wabagate.base_url);
    println!("upstream (pid {}) on core 1: {}", upstream.pid(), upstream.base_url);
    println!(
        "a send: curl -H 'Authorization: Bearer {key}' -H 'Content-Type: application/json' -d '{SEND_BODY}' {}{SEND_PATH}",
        wabagate.base_url
    );
    println!(
        "a load: taskset -c 1 wrk -t1 -c32 -d10s -s {} {} -- {} {SEND_PATH}",
        script.display(),
        wabagate.base_url,
        keys_file.display()
    );
    println!("(close stdin or press Ctrl-C to stop)");
    tokio::select! {
        _ = tokio::task::spawn_blocking(|| std::io::stdin().read_to_end(&mut Vec::new())) => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    wabagate.stop(std::time::Duration::from_secs(10))?;
    upstream.stop(std::time::Duration::from_secs(10))?;
    Ok(())
}
