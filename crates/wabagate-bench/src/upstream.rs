//! The canned upstream both proxies stand in front of: it answers every request as Meta
//! answers a send, as fast as it can, so the benchmark measures the proxy and not Meta.
//!
//! Two paths behave differently, so one upstream serves every scenario: a path containing
//! `/slow/` answers after [`SLOW_DELAY`] (the memory-per-waiting-request scenario), and a GET
//! of a path ending in `/large` streams [`LARGE_BYTES`] (the download scenario). Request
//! bodies are always read to the end and counted, so uploads flow at full speed.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// Sends answered so far: each answer names a wamid of its own, as Meta's do, so the
/// gateway's ledger inserts a row per send as it does in use (one wamid for every send would
/// rewrite one row instead).
static SENDS: AtomicU64 = AtomicU64::new(0);
pub(crate) const SLOW_DELAY: Duration = Duration::from_secs(1);
pub(crate) const LARGE_BYTES: u64 = 100 * 1024 * 1024;
const CHUNK: usize = 64 * 1024;

type Body = BoxBody<Bytes, Infallible>;

/// Serves forever on `listen` on a single-threaded runtime (the caller pins the process).
pub(crate) fn run(listen: SocketAddr) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async move {
        let listener = TcpListener::bind(listen).await?;
        println!("upstream listening on http://{}", listener.local_addr()?);
        loop {
            let (stream, _) = listener.accept().await?;
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service_fn(answer))
                    .await;
            });
        }
    })
}

async fn answer(request: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    let path = request.uri().path().to_owned();
    let is_get = request.method() == hyper::Method::GET;
    // Read the whole body: an upload is only done when its last byte arrived.
    let mut body = request.into_body();
    let mut received: u64 = 0;
    while let Some(Ok(frame)) = body.frame().await {
        if let Some(data) = frame.data_ref() {
            received += data.len() as u64;
        }
    }
    if path.contains("/slow/") {
        tokio::time::sleep(SLOW_DELAY).await;
    }
    let response = if is_get && path.ends_with("/large") {
        large_download()
    } else if received > 1024 * 1024 {
        json(format!(r#"{{"received":{received}}}"#))
    } else {
        json(send_response(SENDS.fetch_add(1, Ordering::Relaxed)))
    };
    Ok(response)
}

/// Meta's answer to a successful send, byte for byte the shape and length a client would get,
/// with the `n`th wamid.
fn send_response(n: u64) -> String {
    let wamid = wamid(wamid_tail(n));
    format!(
        r#"{{"messaging_product":"whatsapp","contacts":[{{"input":"1234567890","wa_id":"1234567890"}}],"messages":[{{"id":"{wamid}"}}]}}"#
    )
}

/// A wamid for the benchmark's recipient, of Meta's length, ending in `tail`.
pub(crate) fn wamid(tail: u64) -> String {
    format!("wamid.HBgLMTIzNDU2Nzg5MBUCABEYEj{tail:028X}A=")
}

/// The tail of the `n`th wamid: Meta's wamids differ in a tail that looks random, so
/// consecutive sends land far apart in the ledger's wamid index (rising numbers would put
/// every insert at its end, the store's best case). An odd multiplier maps distinct `n` to
/// distinct tails.
pub(crate) fn wamid_tail(n: u64) -> u64 {
    n.wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

fn json(body: String) -> Response<Body> {
    Response::builder()
        .header("content-type", "application/json; charset=UTF-8")
        .body(Full::new(Bytes::from(body)).boxed())
        .expect("a static response is valid")
}

fn large_download() -> Response<Body> {
    let chunk = Bytes::from(vec![0x5a; CHUNK]);
    let chunks = (LARGE_BYTES as usize).div_ceil(CHUNK);
    let frames = futures_util::stream::iter((0..chunks).map(move |_| Ok(Frame::data(chunk.clone()))));
    Response::builder()
        .header("content-type", "application/octet-stream")
        .header("content-length", LARGE_BYTES)
        .body(BodyExt::boxed(StreamBody::new(frames)))
        .expect("a static response is valid")
}
