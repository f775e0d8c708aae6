//! A 100 MB upload and a 100 MB download through the gateway leave its memory flat.

use futures_util::StreamExt;
use serde_json::Value;
use sha2::{Digest, Sha256};
use wabagate_sandbox::seed::{DEMO_ACCESS_TOKEN, DEMO_PHONE_NUMBERS, DEMO_WABA_ID};

use crate::support::{Process, run};

const SIZE: u64 = 100_000_000;
const CHUNK: u64 = 256 * 1024;

fn byte_at(index: u64) -> u8 {
    (index.wrapping_mul(2_654_435_761) >> 13) as u8
}

fn chunk(start: u64) -> Vec<u8> {
    (start..(start + CHUNK).min(SIZE)).map(byte_at).collect()
}

#[tokio::test]
async fn streaming_100_mb_up_and_down_adds_less_than_20_mb_to_the_gateway() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_str().unwrap();
    // The sandbox runs in its own process, so only the gateway's memory is measured.
    let sandbox = Process::sandbox(dir.path(), &[]).await;
    run(&["admin", "--data-dir", data_dir, "accounts", "create", "acme"]).await;
    let (_, key, _) = run(&["admin", "--data-dir", data_dir, "--json", "keys", "create", "--account", "acme"]).await;
    let api_key = serde_json::from_str::<Value>(&key).unwrap()["api_key"].as_str().unwrap().to_owned();
    let (code, _, stderr) = run(&[
        "admin",
        "--data-dir",
        data_dir,
        "connections",
        "import",
        "--account",
        "acme",
        "--token",
        DEMO_ACCESS_TOKEN,
        "--waba-id",
        DEMO_WABA_ID,
        "--upstream",
        &sandbox.base_url,
    ])
    .await;
    assert_eq!(code, 0, "{stderr}");
    let gateway = Process::serve(dir.path(), &["--upstream", &sandbox.base_url, "--rate-limit", "0"]).await;
    let client = reqwest::Client::new();
    let phone_number_id = DEMO_PHONE_NUMBERS[0].0;

    // Warm up (pools, caches, TLS-free code paths), then start measuring from here.
    for _ in 0..5 {
        let response = client
            .get(gateway.url(&format!("/whatsapp-business/v21.0/{phone_number_id}")))
            .bearer_auth(&api_key)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    std::fs::write(format!("/proc/{}/clear_refs", gateway.pid()), "5").expect("resetting the peak RSS");
    let baseline_kb = gateway.memory_kb("VmRSS:");

    let upload = futures_util::stream::iter((0..SIZE).step_by(CHUNK as usize))
        .map(|start| Ok::<_, std::io::Error>(chunk(start)));
    let file = reqwest::multipart::Part::stream_with_length(reqwest::Body::wrap_stream(upload), SIZE)
        .file_name("big.pdf")
        .mime_str("application/pdf")
        .unwrap();
    let form = reqwest::multipart::Form::new()
        .text("messaging_product", "whatsapp")
        .text("type", "application/pdf")
        .part("file", file);
    let uploaded = client
        .post(gateway.url(&format!("/whatsapp-business/v21.0/{phone_number_id}/media")))
        .bearer_auth(&api_key)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), 200);
    let media_id = uploaded.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();

    let download = client
        .get(gateway.url(&format!("/whatsapp-business/media/{media_id}/content")))
        .bearer_auth(&api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(download.headers()["content-type"], "application/pdf");
    let mut received = 0u64;
    let mut digest = Sha256::new();
    let mut body = download.bytes_stream();
    while let Some(piece) = body.next().await {
        let piece = piece.unwrap();
        received += piece.len() as u64;
        digest.update(&piece);
    }
    assert_eq!(received, SIZE);
    let mut expected = Sha256::new();
    for start in (0..SIZE).step_by(CHUNK as usize) {
        expected.update(chunk(start));
    }
    assert_eq!(digest.finalize(), expected.finalize(), "the bytes round-trip exactly");

    let peak_kb = gateway.memory_kb("VmHWM:");
    let added_mb = peak_kb.saturating_sub(baseline_kb) as f64 / 1024.0;
    assert!(added_mb < 20.0, "streaming 200 MB added {added_mb:.1} MB to the gateway's resident size");
}
