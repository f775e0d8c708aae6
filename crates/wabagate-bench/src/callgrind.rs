//! Instructions per request, the figure that does not move with the machine's noise:
//! the proxy runs under callgrind twice, serving `few` and then `many` sequential requests
//! over one keep-alive connection, and the difference of the two totals divided by
//! `many - few` cancels start-up, shutdown and everything else that is not per request.
//! Callgrind's files can be kept (`guard --keep-profiles DIR`) to see where the instructions
//! go: `callgrind_annotate --inclusive=yes DIR/500.out`.

use std::path::Path;

use anyhow::{Context, bail};

use crate::process::Pinned;
use crate::wrk::SEND_BODY;

/// How a proxy is started under a wrapper command (valgrind), in a directory of its own.
pub(crate) type Starter<'a> = dyn Fn(&Path, &[&str]) -> anyhow::Result<Pinned> + 'a;

/// The per-request instruction count of the proxy `start` starts.
pub(crate) async fn per_request(
    start: &Starter<'_>,
    path: &str,
    key: &str,
    few: u32,
    many: u32,
    keep_in: Option<&Path>,
) -> anyhow::Result<f64> {
    let few_total = total(start, path, key, few, keep_in).await?;
    let many_total = total(start, path, key, many, keep_in).await?;
    Ok((many_total as f64 - few_total as f64) / f64::from(many - few))
}

async fn total(
    start: &Starter<'_>,
    path: &str,
    key: &str,
    requests: u32,
    keep_in: Option<&Path>,
) -> anyhow::Result<u64> {
    let dir = tempfile::tempdir()?;
    let out_file = format!("--callgrind-out-file={}/callgrind.out", dir.path().display());
    let wrapper = ["valgrind", "--tool=callgrind", "--dump-instr=no", "--compress-strings=no", &out_file];
    let proxy = start(dir.path(), &wrapper)?;
    send_sequentially(&format!("{}{path}", proxy.base_url), key, requests).await?;
    proxy.stop(std::time::Duration::from_secs(120))?;
    let out = dir.path().join("callgrind.out");
    if let Some(keep_in) = keep_in {
        std::fs::create_dir_all(keep_in)?;
        std::fs::copy(&out, keep_in.join(format!("{requests}.out"))).context("keeping callgrind's output")?;
    }
    let counts = std::fs::read_to_string(out).context("reading callgrind's output")?;
    summary(&counts)
}

/// `requests` small sends, one after another on one connection, each checked for a 2xx.
pub(crate) async fn send_sequentially(url: &str, key: &str, requests: u32) -> anyhow::Result<()> {
    let client = reqwest::Client::builder().http1_only().pool_max_idle_per_host(1).build()?;
    for _ in 0..requests {
        let response =
            client.post(url).bearer_auth(key).header("content-type", "application/json").body(SEND_BODY).send().await?;
        let status = response.status();
        response.bytes().await?;
        if !status.is_success() {
            bail!("the proxy answered {status} during the instruction count");
        }
    }
    Ok(())
}

/// The total of callgrind's `summary:` (or, in older formats, `totals:`) line.
fn summary(counts: &str) -> anyhow::Result<u64> {
    counts
        .lines()
        .find_map(|line| line.strip_prefix("summary:").or_else(|| line.strip_prefix("totals:")))
        .context("callgrind wrote no summary")?
        .split_whitespace()
        .next()
        .context("empty summary")?
        .parse()
        .context("summary is not a number")
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_the_summary_line() {
        assert_eq!(super::summary("version: 1\nevents: Ir\nsummary: 123456\n").unwrap(), 123_456);
        assert!(super::summary("events: Ir\n").is_err());
    }
}
