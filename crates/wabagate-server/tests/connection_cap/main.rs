//! The connection cap under the common open-file limit of 1,024: 1,050 silent connections
//! cannot starve a normal request, and all of them are gone within the header timeout.
//!
//! A binary of its own because it lowers the process's open-file limit. The silent
//! connections come from a child process (this same binary, running the ignored
//! [`silent_connections`] test), so they do not count against the gateway's limit.

#![allow(unreachable_pub, reason = "items of the support module are shared by the test modules, not exported")]

#[path = "../gateway/support.rs"]
#[allow(dead_code, reason = "this binary uses a part of the shared support")]
mod support;

use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::net::TcpStream;
use wabagate_server::config::ConnectionLimits;

use crate::support::{EchoUpstream, Options, TestApp, metric};

const SILENT: usize = 1_050;
const TARGET_VAR: &str = "WABAGATE_TEST_SILENT_TARGET";

#[tokio::test]
async fn silent_connections_beyond_the_open_file_limit_do_not_starve_a_request() {
    rlimit::Resource::NOFILE.set(1_024, rlimit::Resource::NOFILE.get_hard().unwrap()).unwrap();
    let upstream = EchoUpstream::start().await;
    // The cap is derived from the open-file limit, as in production.
    let defaults = ConnectionLimits::default();
    assert!(
        defaults.max_connections < 1_024 / 2,
        "cap {} leaves room for upstream connections",
        defaults.max_connections
    );
    // Long enough that the first silent connections are still open when the last connect:
    // on a busy machine (a loopback full of TIME_WAIT sockets), opening all 1,050 has taken
    // six seconds, and at two the cap was never reached.
    let header_read_timeout = Duration::from_secs(10);
    let limits = ConnectionLimits { header_read_timeout, ..defaults };
    let app = TestApp::spawn_with(Options { connections: Some(limits), ..Options::new(&upstream.url) }).await;
    let (account, key) = app.account_with_key("acme").await;
    app.active_connection(&account, &[]).await;

    let spawned = Instant::now();
    let mut child = tokio::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "silent_connections", "--ignored", "--nocapture"])
        .env(TARGET_VAR, app.addr.to_string())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    while let Some(line) = lines.next_line().await.unwrap() {
        if line.starts_with("connected") {
            break;
        }
    }
    let opened = Instant::now();

    // A fresh client, so the request needs a new connection at the cap.
    let response = reqwest::Client::new()
        .get(app.url("/whatsapp-business/v21.0/me"))
        .bearer_auth(&key)
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .expect("a normal request is served while the silent connections are open");
    assert_eq!(response.status(), 200);
    assert!(
        metric(&app, r#"wabagate_connection_limit_actions_total{action="shed_idle"}"#).await > 0.0,
        "no idle connection was shed; the silent ones took {:?} to connect",
        opened.duration_since(spawned)
    );

    // Every silent connection is closed within the header timeout of its accept.
    let open = r#"wabagate_open_connections"#;
    while metric(&app, open).await > 3.0 {
        assert!(opened.elapsed() < header_read_timeout * 3, "{} still open", metric(&app, open).await);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let _ = child.kill().await;
}

/// The child: opens the silent connections, says so, and holds them until each is closed.
#[tokio::test]
#[ignore = "run by the test above, as a child process"]
async fn silent_connections() {
    let Ok(target) = std::env::var(TARGET_VAR) else { return };
    rlimit::increase_nofile_limit(4_096).unwrap();
    let mut streams = Vec::with_capacity(SILENT);
    for _ in 0..SILENT {
        streams.push(TcpStream::connect(&target).await.unwrap());
    }
    println!("connected {}", streams.len());
    let held = streams.into_iter().map(|mut stream| {
        tokio::spawn(async move {
            let mut byte = [0u8; 1];
            let _ = tokio::time::timeout(Duration::from_secs(30), stream.read(&mut byte)).await;
        })
    });
    for stream in held.collect::<Vec<_>>() {
        let _ = stream.await;
    }
}
