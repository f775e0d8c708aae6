//! The ledger calls against a scripted control API: cursor paging, filters in the query,
//! the typed objects, and waiting for a status (reached, failed with Meta's error and its
//! hint, timed out, not recorded yet).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use wabagate_sdk::{
    Client, ConversationQuery, Error, MessageDirection, MessageQuery, MessageStatus, ServiceWindow, StatusWait,
};

fn message(wamid: &str, status: &str) -> Value {
    let errors = (status == "failed").then(|| {
        json!([{"code": 131026, "title": "Message undeliverable", "message": "Message undeliverable",
                "error_data": {"details": "Message Undeliverable."},
                "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"}])
    });
    json!({
        "wamid": wamid, "direction": "outbound", "origin": "gateway",
        "connection_id": "21fd90f9-5935-43cd-b6c8-bde9d915ca80", "phone_number_id": "106540352242922",
        "peer": "1234567890", "type": "text", "status": status, "errors": errors,
        "statuses": [{"status": "sent", "timestamp": "2026-01-01T10:00:00Z", "received_at": "2026-01-01T10:00:01Z"}],
        "content": {"type": "text", "text": {"body": "hi"}}, "template_name": null,
        "biz_opaque_callback_data": "order-7", "reply_to": null, "profile_name": null,
        "request_id": "req-1", "created_at": "2026-01-01T10:00:00Z"
    })
}

fn json_response(status: StatusCode, body: Value) -> Response {
    (status, [("content-type", "application/json")], body.to_string()).into_response()
}

fn not_found() -> Response {
    json_response(
        StatusCode::NOT_FOUND,
        json!({"error": {"message": "Unknown message", "type": "WabagateError", "code": 404, "gateway_code": "not_found"}}),
    )
}

/// A control API whose `GET /messages/{wamid}` answers `statuses` one poll after the other
/// (the last one again once they run out; `None` is a 404), and which keeps the queries
/// it was asked.
struct Scripted {
    client: Client,
    queries: Arc<Mutex<Vec<String>>>,
}

async fn scripted(statuses: Vec<Option<&'static str>>) -> Scripted {
    let queries = Arc::new(Mutex::new(Vec::new()));
    let polls = Arc::new(Mutex::new(statuses));
    let seen = queries.clone();
    let app = Router::new()
        .route(
            "/messages",
            get(move |RawQuery(query): RawQuery| {
                let seen = seen.clone();
                async move {
                    let query = query.unwrap_or_default();
                    seen.lock().unwrap().push(query.clone());
                    let body = if query.contains("cursor=page2") {
                        json!({"messages": [message("wamid.C", "read")], "paging": {"next_cursor": null}})
                    } else {
                        json!({"messages": [message("wamid.A", "read"), message("wamid.B", "delivered")],
                               "paging": {"next_cursor": "page2"}})
                    };
                    json_response(StatusCode::OK, body)
                }
            }),
        )
        .route(
            "/messages/{wamid}",
            get(move |Path(wamid): Path<String>| {
                let polls = polls.clone();
                async move {
                    let mut polls = polls.lock().unwrap();
                    let status = if polls.len() > 1 { polls.remove(0) } else { polls[0] };
                    match status {
                        Some(status) => json_response(StatusCode::OK, json!({"message": message(&wamid, status)})),
                        None => not_found(),
                    }
                }
            }),
        )
        .route("/messages/{wamid}/media", get(|| async { ([("content-type", "image/jpeg")], vec![0xFF, 0xD8, 0xFF]) }))
        .route(
            "/conversations",
            get(|| async {
                json_response(
                    StatusCode::OK,
                    json!({"conversations": [{
                    "phone_number_id": "106540352242922", "wa_id": "1234567890", "profile_name": "Ana",
                    "last_message": message("wamid.A", "read"),
                    "window": {"open": true, "open_until": "2026-01-02T10:00:00Z"}}],
                    "paging": {"next_cursor": null}}),
                )
            }),
        )
        .route(
            "/conversations/{pn}/{wa_id}",
            get(|Path((pn, wa_id)): Path<(String, String)>| async move {
                json_response(
                    StatusCode::OK,
                    json!({"conversation": {
                    "phone_number_id": pn, "wa_id": wa_id, "profile_name": null,
                    "window": {"open": false, "open_until": null},
                    "messages": [message("wamid.A", "read")]}}),
                )
            }),
        )
        .route(
            "/templates",
            get(|RawQuery(query): RawQuery| async move {
                assert_eq!(query.as_deref(), Some("waba_id=102290129340398&status=APPROVED"));
                json_response(
                    StatusCode::OK,
                    json!({"templates": [{
                    "id": "1", "waba_id": "102290129340398", "name": "hello_world", "language": "en_US",
                    "status": "APPROVED", "category": "UTILITY", "components": [], "rejected_reason": null,
                    "updated_at": "2026-01-01T10:00:00Z"}]}),
                )
            }),
        )
        .route(
            "/templates/sync",
            post(|axum::Json(body): axum::Json<Value>| async move {
                assert_eq!(body, json!({"waba_id": "102290129340398"}));
                json_response(StatusCode::OK, json!({"synced": 4}))
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Scripted { client: Client::builder().base_url(base_url).api_key("wbg_test").build().unwrap(), queries }
}

fn quick(target: MessageStatus, timeout: Duration) -> StatusWait {
    StatusWait {
        first_interval: Duration::from_millis(5),
        max_interval: Duration::from_millis(20),
        ..StatusWait::new(target, timeout)
    }
}

#[tokio::test]
async fn listing_messages_follows_the_cursor_and_sends_the_filters() {
    let server = scripted(vec![Some("read")]).await;
    let query = MessageQuery {
        direction: Some(MessageDirection::Outbound),
        status: Some(MessageStatus::Read),
        peer: Some("1234567890".into()),
        since: Some("2026-01-01T00:00:00Z".into()),
        page_size: Some(2),
        ..MessageQuery::default()
    };
    let listed = server.client.list_messages(&query).await.unwrap();
    let wamids: Vec<&str> = listed.items.iter().map(|message| message.wamid.as_str()).collect();
    assert_eq!(wamids, ["wamid.A", "wamid.B", "wamid.C"]);
    assert_eq!(listed.pages.len(), 2);
    let queries = server.queries.lock().unwrap().clone();
    assert_eq!(
        queries,
        [
            "direction=outbound&status=read&peer=1234567890&since=2026-01-01T00%3A00%3A00Z&limit=2",
            "direction=outbound&status=read&peer=1234567890&since=2026-01-01T00%3A00%3A00Z&limit=2&cursor=page2",
        ]
    );
    assert_eq!(listed.items[0].biz_opaque_callback_data.as_deref(), Some("order-7"));
}

#[tokio::test]
async fn max_items_stops_before_the_next_page() {
    let server = scripted(vec![Some("read")]).await;
    let listed = server.client.list_messages(&MessageQuery { max_items: Some(1), ..MessageQuery::default() }).await;
    assert_eq!(listed.unwrap().items.len(), 1);
    assert_eq!(server.queries.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn conversations_threads_media_and_the_template_mirror_are_typed() {
    let server = scripted(vec![Some("read")]).await;
    let client = &server.client;
    let conversations = client.list_conversations(&ConversationQuery::default()).await.unwrap();
    assert_eq!(conversations.items[0].profile_name.as_deref(), Some("Ana"));
    assert!(conversations.items[0].window.open);

    let thread = client.conversation("106540352242922", "1234567890").await.unwrap().into_inner().conversation;
    assert_eq!(thread.window, ServiceWindow { open: false, open_until: None });
    assert_eq!(thread.messages[0].text_body(), Some("hi"));

    let mut bytes = Vec::new();
    let downloaded = client.download_message_media_to("wamid.A", &mut bytes).await.unwrap();
    assert_eq!((bytes.as_slice(), downloaded.mime_type.as_deref()), (&[0xFF, 0xD8, 0xFF][..], Some("image/jpeg")));

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("photo.jpg");
    assert_eq!(client.download_message_media("wamid.A", &path).await.unwrap().bytes, 3);
    assert_eq!(std::fs::read(&path).unwrap(), [0xFF, 0xD8, 0xFF]);

    let templates = client.mirrored_templates(Some("102290129340398"), Some("APPROVED")).await.unwrap();
    assert_eq!(templates.templates[0].name, "hello_world");
    assert_eq!(client.sync_templates("102290129340398").await.unwrap().synced, 4);
}

#[tokio::test]
async fn waiting_returns_once_the_status_or_a_later_one_is_reached() {
    let server = scripted(vec![None, Some("accepted"), Some("sent"), Some("read")]).await;
    let message =
        server.client.wait_for_status("wamid.A", quick(MessageStatus::Delivered, Duration::from_secs(10))).await;
    assert_eq!(message.unwrap().message.status, MessageStatus::Read, "a 404 (not recorded yet) is polled again");
}

#[tokio::test]
async fn a_failed_message_ends_the_wait_with_metas_error_and_its_hint() {
    let server = scripted(vec![Some("accepted"), Some("failed")]).await;
    let error = server
        .client
        .wait_for_status("wamid.A", quick(MessageStatus::Read, Duration::from_secs(10)))
        .await
        .unwrap_err();
    assert!(matches!(&error, Error::MessageFailed { errors, .. } if errors[0].code == 131026), "{error:?}");
    assert_eq!(error.to_string(), "message wamid.A failed: (#131026) Message undeliverable: Message Undeliverable.");
    assert!(error.hint().unwrap().contains("not on WhatsApp"));
    assert!(!error.is_local());
}

#[tokio::test]
async fn a_wait_that_runs_out_names_the_last_status() {
    let server = scripted(vec![Some("sent")]).await;
    let error = server
        .client
        .wait_for_status("wamid.A", quick(MessageStatus::Read, Duration::from_millis(60)))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::WaitTimedOut { last_status: Some(MessageStatus::Sent), .. }), "{error:?}");
    assert!(error.to_string().starts_with("message wamid.A is not read after waiting 0s (last status: sent)"));
}

#[tokio::test]
async fn ids_are_checked_before_any_request() {
    let server = scripted(vec![Some("read")]).await;
    assert!(matches!(server.client.ledger_message("").await, Err(Error::Invalid(_))));
    assert!(matches!(server.client.conversation("1", "").await, Err(Error::Invalid(_))));
    assert!(matches!(server.client.sync_templates("").await, Err(Error::Invalid(_))));
}
