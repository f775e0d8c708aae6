//! Media upload (real multipart), metadata, download through the handed-out URL, delete.

use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::support::{Expected, Sandbox, assert_error, oauth};

fn bytes(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

async fn upload(
    sandbox: &Sandbox,
    data: Vec<u8>,
    mime: &str,
    with_type_field: bool,
) -> (StatusCode, serde_json::Value) {
    let part = Part::bytes(data).file_name("file.bin").mime_str(mime).unwrap();
    let mut form = Form::new().text("messaging_product", "whatsapp").part("file", part);
    if with_type_field {
        form = form.text("type", mime.to_owned());
    }
    let request = sandbox.request(Method::POST, &format!("/v23.0/{}/media", sandbox.phone)).multipart(form);
    Sandbox::answer(request).await
}

#[tokio::test]
async fn uploaded_bytes_round_trip_exactly_through_the_download_url() {
    let sandbox = Sandbox::start().await;
    let data = bytes(3 * 1024 * 1024 + 17);
    let (status, body) = upload(&sandbox, data.clone(), "image/png", true).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let id = body["id"].as_str().unwrap().to_owned();
    assert_eq!(body, json!({"id": id}));

    let (status, info) = sandbox.get(&format!("/v23.0/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    let url = info["url"].as_str().unwrap().to_owned();
    assert_eq!(
        info,
        json!({"messaging_product": "whatsapp", "url": url, "mime_type": "image/png",
               "sha256": hex::encode(Sha256::digest(&data)), "file_size": data.len(), "id": id})
    );
    assert!(url.starts_with(&format!("{}/whatsapp_business/attachments/?mid={id}&", sandbox.base)), "{url}");

    let response = sandbox.client.get(&url).bearer_auth(&sandbox.token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(response.bytes().await.unwrap().as_ref(), data.as_slice());
}

#[tokio::test]
async fn the_download_url_needs_a_valid_token_and_expires_after_five_minutes() {
    let sandbox = Sandbox::start().await;
    let (_, body) = upload(&sandbox, bytes(1000), "application/pdf", true).await;
    let id = body["id"].as_str().unwrap().to_owned();
    let (_, info) = sandbox.get(&format!("/v23.0/{id}")).await;
    let url = info["url"].as_str().unwrap().to_owned();
    assert_eq!(sandbox.client.get(&url).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(sandbox.client.get(&url).bearer_auth("EAAGwrong").send().await.unwrap().status(), StatusCode::NOT_FOUND);
    let forged = url.replace("hash=", "hash=00");
    assert_eq!(
        sandbox.client.get(&forged).bearer_auth(&sandbox.token).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    sandbox.advance(301).await;
    assert_eq!(
        sandbox.client.get(&url).bearer_auth(&sandbox.token).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let (_, fresh) = sandbox.get(&format!("/v23.0/{id}")).await;
    let fresh_url = fresh["url"].as_str().unwrap();
    assert_eq!(
        sandbox.client.get(fresh_url).bearer_auth(&sandbox.token).send().await.unwrap().status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_file_parts_content_type_stands_in_for_a_missing_type_field() {
    let sandbox = Sandbox::start().await;
    let (status, body) = upload(&sandbox, bytes(100), "audio/ogg", false).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn uploaded_media_can_be_sent_by_id_and_deleted() {
    let sandbox = Sandbox::start().await;
    let (_, body) = upload(&sandbox, bytes(2048), "video/mp4", true).await;
    let id = body["id"].as_str().unwrap().to_owned();
    let send = json!({"messaging_product": "whatsapp", "to": "1234567890", "type": "video", "video": {"id": id}});
    assert_eq!(sandbox.send(send.clone()).await.0, StatusCode::OK);
    assert_eq!(sandbox.delete(&format!("/v23.0/{id}")).await, (StatusCode::OK, json!({"success": true})));
    let message = format!(
        "Unsupported get request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or \
         does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api"
    );
    let answer = sandbox.get(&format!("/v23.0/{id}")).await;
    assert_error(
        &answer,
        Expected { status: 400, code: 100, subcode: Some(33), kind: "GraphMethodException", message: &message },
    );
    assert_error(&sandbox.send(send).await, oauth(400, 131053, "(#131053) Media upload error"));
}

#[tokio::test]
async fn every_kind_of_media_can_be_uploaded_and_sent_by_id() {
    let sandbox = Sandbox::start().await;
    for (kind, mime) in
        [("image", "image/jpeg"), ("document", "application/pdf"), ("audio", "audio/mpeg"), ("sticker", "image/webp")]
    {
        let (status, body) = upload(&sandbox, bytes(4096), mime, true).await;
        assert_eq!(status, StatusCode::OK, "{mime}: {body}");
        let send = json!({"messaging_product": "whatsapp", "to": "1234567890", "type": kind, kind: {"id": body["id"]}});
        assert_eq!(sandbox.send(send).await.0, StatusCode::OK, "{kind}");
    }
}

#[tokio::test]
async fn a_phone_number_id_that_does_not_own_the_media_is_refused() {
    let sandbox = Sandbox::start().await;
    let (_, body) = upload(&sandbox, bytes(10), "image/jpeg", true).await;
    let id = body["id"].as_str().unwrap();
    let (status, _) = sandbox.get(&format!("/v23.0/{id}?phone_number_id={}", sandbox.phone)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = sandbox.get(&format!("/v23.0/{id}?phone_number_id=1000000000001001")).await;
    assert_eq!((status, body["error"]["error_subcode"].clone()), (StatusCode::BAD_REQUEST, json!(33)));
}

#[tokio::test]
async fn an_unsupported_type_is_metas_param_file_error_and_an_oversized_file_131053() {
    let sandbox = Sandbox::start().await;
    let refused = upload(&sandbox, bytes(10), "image/gif", true).await;
    let message = refused.1["error"]["message"].as_str().unwrap_or_default().to_owned();
    assert_error(&refused, oauth(400, 100, &message));
    assert!(
        message.starts_with("(#100) Param file must be a file with one of the following types: audio/aac, audio/mp4,")
            && message.ends_with("video/mp4, video/3gpp. Received file of type 'image/gif'."),
        "{message}"
    );
    let too_big = 5 * 1024 * 1024 + 1;
    let details = assert_error(
        &upload(&sandbox, bytes(too_big), "image/jpeg", true).await,
        oauth(400, 131053, "(#131053) Media upload error"),
    );
    assert_eq!(details.as_deref(), Some("Param file is 5242881 bytes, more than the 5242880 bytes allowed."));
    let sticker = 100 * 1024 + 1;
    assert_error(
        &upload(&sandbox, bytes(sticker), "image/webp", true).await,
        oauth(400, 131053, "(#131053) Media upload error"),
    );
}

#[tokio::test]
async fn an_upload_without_messaging_product_or_file_is_error_100() {
    let sandbox = Sandbox::start().await;
    let form = Form::new().part("file", Part::bytes(bytes(10)).file_name("a.jpg").mime_str("image/jpeg").unwrap());
    let request = sandbox.request(Method::POST, &format!("/v23.0/{}/media", sandbox.phone)).multipart(form);
    assert_error(
        &Sandbox::answer(request).await,
        oauth(400, 100, "(#100) The parameter messaging_product is required."),
    );
    let form = Form::new().text("messaging_product", "whatsapp").text("type", "image/jpeg");
    let request = sandbox.request(Method::POST, &format!("/v23.0/{}/media", sandbox.phone)).multipart(form);
    assert_error(&Sandbox::answer(request).await, oauth(400, 100, "(#100) The parameter file is required."));
}

/// A refused upload is read to its end before the connection is closed, so a client still
/// writing its body gets the error answer rather than a reset (Node's fetch: `EPIPE`).
#[tokio::test]
async fn a_refused_upload_is_answered_without_resetting_the_connection() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let sandbox = Sandbox::start().await;
    let address = sandbox.base.trim_start_matches("http://").to_owned();
    let file = bytes(4 * 1024 * 1024);
    for (what, token) in [("an invalid token", "not-a-token"), ("a valid token", sandbox.token.as_str())] {
        let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
        // Not multipart at all, so it is refused before any of the body is read.
        let head = format!(
            "POST /v23.0/{}/media HTTP/1.1\r\nHost: sandbox\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n",
            sandbox.phone,
            file.len()
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        // The whole body goes out (a reset would fail this write), then the answer is read.
        stream.write_all(&file).await.unwrap_or_else(|error| panic!("{what}: writing the body failed: {error}"));
        let mut answer = vec![0u8; 4096];
        let read = stream.read(&mut answer).await.unwrap_or_else(|error| panic!("{what}: reading failed: {error}"));
        let answer = String::from_utf8_lossy(&answer[..read]);
        assert!(answer.starts_with("HTTP/1.1 4"), "{what}: {answer}");
        assert!(answer.contains("\"error\""), "{what}: {answer}");
    }
}
