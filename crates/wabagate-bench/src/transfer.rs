//! The memory scenarios: 100 MB streamed up and 100 MB down through a proxy (how much its
//! resident memory grows), and 1,000 requests held waiting on a slow upstream (how much
//! each waiting request costs).

use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use bytes::Bytes;

use crate::process::Pinned;
use crate::upstream::LARGE_BYTES;
use crate::wrk::Load;

/// What one transfer cost: its throughput and how far it raised the proxy's peak RSS.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Transfer {
    pub(crate) megabytes_per_second: f64,
    pub(crate) added_peak_rss: u64,
}

/// POSTs [`LARGE_BYTES`] through `proxy` and checks the upstream received every byte.
pub(crate) async fn upload(proxy: &Pinned, path: &str, key: &str) -> anyhow::Result<Transfer> {
    measure(proxy, async {
        const CHUNK: usize = 256 * 1024;
        let chunk = Bytes::from(vec![0xa5; CHUNK]);
        let chunks = (LARGE_BYTES as usize).div_ceil(CHUNK);
        let body = futures_util::stream::iter((0..chunks).map(move |_| Ok::<_, std::io::Error>(chunk.clone())));
        let answer: serde_json::Value = client()?
            .post(format!("{}{path}", proxy.base_url))
            .bearer_auth(key)
            .header("content-length", LARGE_BYTES)
            .body(reqwest::Body::wrap_stream(body))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        ensure!(answer["received"] == LARGE_BYTES, "the upstream received {answer} of {LARGE_BYTES} bytes");
        Ok(())
    })
    .await
}

/// GETs [`LARGE_BYTES`] through `proxy`, counting what arrives.
pub(crate) async fn download(proxy: &Pinned, path: &str, key: &str) -> anyhow::Result<Transfer> {
    measure(proxy, async {
        let mut response =
            client()?.get(format!("{}{path}", proxy.base_url)).bearer_auth(key).send().await?.error_for_status()?;
        let mut received = 0u64;
        while let Some(chunk) = response.chunk().await? {
            received += chunk.len() as u64;
        }
        ensure!(received == LARGE_BYTES, "received {received} of {LARGE_BYTES} bytes");
        Ok(())
    })
    .await
}

async fn measure(proxy: &Pinned, transfer: impl Future<Output = anyhow::Result<()>>) -> anyhow::Result<Transfer> {
    proxy.reset_peak_rss()?;
    let before = proxy.rss()?;
    let started = Instant::now();
    transfer.await?;
    let seconds = started.elapsed().as_secs_f64();
    Ok(Transfer {
        megabytes_per_second: LARGE_BYTES as f64 / 1e6 / seconds,
        added_peak_rss: proxy.peak_rss()?.saturating_sub(before),
    })
}

fn client() -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder().http1_only().timeout(Duration::from_secs(120)).build().context("building a client")
}

/// Resident bytes per request while `load.connections` requests wait on the slow upstream.
pub(crate) fn waiting(proxy: &Pinned, load: &Load<'_>) -> anyhow::Result<f64> {
    let before = proxy.rss()?;
    let wrk = load.spawn()?;
    // Every connection has sent its first request and none has had an answer yet (the
    // upstream waits a whole second), so all of them are waiting right now.
    std::thread::sleep(Duration::from_millis(800));
    let during = proxy.rss()?;
    let result = crate::wrk::finish(wrk)?;
    ensure!(result.non_2xx == 0, "{} of the waiting requests failed", result.non_2xx);
    Ok(during.saturating_sub(before) as f64 / f64::from(load.connections))
}
