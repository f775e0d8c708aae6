//! `wabagate media …`: a multi-megabyte upload and download whose bytes round-trip
//! exactly, lookup, delete, and the local type and size checks.

use crate::support::{DemoGateway, PDF_MAGIC, PNG_MAGIC, write_file};

#[tokio::test]
async fn a_multi_megabyte_file_round_trips_byte_for_byte() {
    let gateway = DemoGateway::start().await;
    let original = gateway.path("big.pdf");
    write_file(&original, PDF_MAGIC, 7 * 1024 * 1024 + 123);
    let uploaded = gateway.run(&["media", "upload", "--file", original.to_str().unwrap()]).await;
    let stdout = uploaded.ok();
    assert!(stdout.starts_with(&format!("Uploaded {}: media id ", original.display())), "{stdout}");
    let media_id = stdout.trim_end().rsplit(' ').next().unwrap().to_owned();

    let info = gateway.run(&["media", "get", &media_id]).await;
    let shown = info.ok();
    assert!(shown.contains("mime_type:  application/pdf"), "{shown}");
    assert!(shown.contains("file_size:  7340155 (7.0 MiB)"), "{shown}");

    let copy = gateway.path("copy.pdf");
    let downloaded = gateway.run(&["media", "download", &media_id, "--output", copy.to_str().unwrap()]).await;
    assert_eq!(
        downloaded.ok(),
        format!("Downloaded media {media_id} to {} (7.0 MiB, application/pdf)\n", copy.display())
    );
    assert!(std::fs::read(&original).unwrap() == std::fs::read(&copy).unwrap(), "the bytes round-trip exactly");

    let described =
        gateway.run(&["media", "download", &media_id, "-o", copy.to_str().unwrap(), "--force", "--json"]).await.json();
    assert_eq!(described["bytes"], 7 * 1024 * 1024 + 123);

    assert_eq!(gateway.run(&["media", "delete", &media_id]).await.ok(), format!("Deleted media {media_id}.\n"));
    let gone = gateway.run(&["media", "get", &media_id]).await;
    assert!(gone.failed_with(1).starts_with("error: WhatsApp refused the request:"), "{}", gone.stderr);
}

#[tokio::test]
async fn upload_json_prints_the_raw_body() {
    let gateway = DemoGateway::start().await;
    let image = gateway.path("a.png");
    write_file(&image, PNG_MAGIC, 4096);
    let body = gateway.run(&["media", "upload", "--file", image.to_str().unwrap(), "--json"]).await.json();
    assert!(body["id"].as_str().is_some_and(|id| !id.is_empty()), "{body}");
}

#[tokio::test]
async fn files_over_their_kinds_limit_or_of_unknown_type_are_refused_before_upload() {
    let gateway = DemoGateway::start().await;
    let big_image = gateway.path("big.png");
    write_file(&big_image, PNG_MAGIC, 5 * 1024 * 1024 + 1);
    let outcome = gateway.run(&["media", "upload", "--file", big_image.to_str().unwrap()]).await;
    assert!(
        outcome
            .failed_with(2)
            .contains("--file (an image): 5242881 bytes is more than the 5.0 MiB (5242880 bytes) allowed"),
        "{}",
        outcome.stderr
    );
    let unknown = gateway.path("blob.bin");
    std::fs::write(&unknown, [0u8, 1, 2, 3, 0xff, 0xfe]).unwrap();
    let outcome = gateway.run(&["media", "upload", "--file", unknown.to_str().unwrap()]).await;
    assert!(outcome.failed_with(2).contains("--file must be a file type WhatsApp accepts"), "{}", outcome.stderr);
    let uploads = gateway.sandbox_requests().await;
    assert!(!uploads.iter().any(|request| request["path"].as_str().unwrap_or("").ends_with("/media")), "no upload");
}
