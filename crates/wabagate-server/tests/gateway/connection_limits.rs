//! Slow, silent and idle client connections are closed within their timeouts, a stalled
//! request body is cut with a 408, and normal requests are served all the while.

use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wabagate_server::config::ConnectionLimits;

use crate::support::{EchoUpstream, Options, TestApp, metric};

const HEADER_READ: Duration = Duration::from_secs(1);
const KEEP_ALIVE: Duration = Duration::from_secs(2);
const BODY_PROGRESS: Duration = Duration::from_secs(1);
/// Scheduling slack on a loaded machine.
const SLACK: Duration = Duration::from_millis(1500);

async fn app_with_short_limits(upstream: &EchoUpstream) -> TestApp {
    let connections = ConnectionLimits {
        header_read_timeout: HEADER_READ,
        keep_alive_timeout: KEEP_ALIVE,
        body_progress_timeout: BODY_PROGRESS,
        max_connections: 100,
    };
    TestApp::spawn_with(Options { connections: Some(connections), ..Options::new(&upstream.url) }).await
}

/// Reads until the server closes the connection; how long that took from `since`, and what
/// it sent first.
async fn time_until_closed(mut stream: TcpStream, since: Instant) -> (Duration, String) {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match tokio::time::timeout(Duration::from_secs(20), stream.read(&mut buffer)).await {
            Ok(Ok(0) | Err(_)) => break,
            Ok(Ok(read)) => received.extend_from_slice(&buffer[..read]),
            Err(_) => panic!("the connection was still open after 20 s"),
        }
    }
    (since.elapsed(), String::from_utf8_lossy(&received).into_owned())
}

#[tokio::test]
async fn silent_slow_and_idle_connections_are_closed_within_their_timeouts() {
    let upstream = EchoUpstream::start().await;
    let app = app_with_short_limits(&upstream).await;

    let silent = async {
        let started = Instant::now();
        time_until_closed(TcpStream::connect(app.addr).await.unwrap(), started).await
    };
    let slow_head = async {
        let started = Instant::now();
        let mut stream = TcpStream::connect(app.addr).await.unwrap();
        // A head that would take 40 s, sent a byte every 200 ms until the server hangs up.
        for byte in b"GET /healthz HTTP/1.1\r\nHost: gateway\r\nX-Padding: ..................\r\n\r\n" {
            if stream.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
            if started.elapsed() > HEADER_READ + SLACK {
                break;
            }
        }
        time_until_closed(stream, started).await
    };
    let idle_keep_alive = async {
        let mut stream = TcpStream::connect(app.addr).await.unwrap();
        stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: gateway\r\n\r\n").await.unwrap();
        let mut answer = [0u8; 1024];
        let read = stream.read(&mut answer).await.unwrap();
        assert!(answer[..read].starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&answer[..read]));
        time_until_closed(stream, Instant::now()).await
    };
    let normal_requests_meanwhile = async {
        for _ in 0..5 {
            let health = app.client.get(app.url("/healthz")).send().await.unwrap();
            assert_eq!(health.status(), 200);
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    };
    let (silent, slow_head, idle, ()) = tokio::join!(silent, slow_head, idle_keep_alive, normal_requests_meanwhile);

    assert!(silent.0 >= HEADER_READ && silent.0 < HEADER_READ + SLACK, "silent connection closed after {:?}", silent.0);
    assert!(slow_head.0 < HEADER_READ + SLACK, "slow head closed after {:?}", slow_head.0);
    assert!(slow_head.1.is_empty(), "a head that never finished gets no answer: {:?}", slow_head.1);
    // Idle keep-alive connections get their own, longer, limit rather than the header one. The
    // server's clock starts once it has written the answer, a little before the client has read
    // it, so the client may see a few milliseconds less than the limit.
    let idle_lower_bound = KEEP_ALIVE - Duration::from_millis(100);
    assert!(idle.0 >= idle_lower_bound && idle.0 < KEEP_ALIVE + SLACK, "idle keep-alive closed after {:?}", idle.0);

    assert!(metric(&app, r#"wabagate_connection_limit_actions_total{action="header_timeout"}"#).await >= 2.0);
    assert!(metric(&app, r#"wabagate_connection_limit_actions_total{action="keep_alive_timeout"}"#).await >= 1.0);
}

#[tokio::test]
async fn a_request_body_that_stops_arriving_is_cut_with_a_408() {
    let upstream = EchoUpstream::start().await;
    let app = app_with_short_limits(&upstream).await;
    let (account, key) = app.account_with_key("acme").await;
    app.active_connection(&account, &[]).await;

    let started = Instant::now();
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST /whatsapp-business/v21.0/1000000000001000/messages HTTP/1.1\r\nHost: gateway\r\n\
         Authorization: Bearer {key}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"to\":"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let (elapsed, answer) = time_until_closed(stream, started).await;

    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains(r#""gateway_code":"request_body_timeout""#), "{answer}");
    assert!(elapsed >= BODY_PROGRESS && elapsed < BODY_PROGRESS + SLACK, "cut after {elapsed:?}");
    assert_eq!(metric(&app, r#"wabagate_connection_limit_actions_total{action="body_progress_timeout"}"#).await, 1.0);
}

#[tokio::test]
async fn a_body_that_keeps_arriving_slowly_is_not_cut() {
    let upstream = EchoUpstream::start().await;
    let app = app_with_short_limits(&upstream).await;
    let (account, key) = app.account_with_key("acme").await;
    app.active_connection(&account, &[]).await;

    // 3 s of upload with a chunk every 300 ms: longer than every limit, but always progressing.
    let chunks = futures_util::stream::iter(0..10).then(|_| async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        Ok::<_, std::io::Error>(bytes::Bytes::from(vec![b'x'; 1000]))
    });
    let response = app
        .post("/whatsapp-business/v21.0/me/media", &key)
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(upstream.requests()[0].body_len, 10_000);
}
