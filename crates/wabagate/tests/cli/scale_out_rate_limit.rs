//! Three real `wabagate serve` processes on one database and one Redis, as behind a load
//! balancer: the per-account limit holds for the three together, and losing Redis mid-load
//! leaves them all serving, each on its own limit, with one warning each; Redis back, the
//! limit is shared again. And a Redis URL
//! that cannot work stops the start, without the password in the message.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::redis_server::PrivateRedis;
use crate::support::{Demo, Process, wabagate};

const LIMIT: u32 = 10;

/// `serve` on its own data dir (the dir lock is per instance) over the shared SQLite file,
/// with the shared master key and Redis.
async fn instance(dir: &Path, name: &str, database_url: &str, secret_key: &str, redis: &str, demo: bool) -> Process {
    let data_dir = dir.join(name);
    let mut command = wabagate();
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data_dir)
        .args(["--database-url", database_url, "--rate-limit", &LIMIT.to_string()])
        // A debug build on a machine shared with other builds can take more than the default
        // 100 ms to hear from Redis in a burst; that would rightly fall back to the local limit.
        .args(["--redis-timeout-ms", "2000"])
        .env("WABAGATE_SECRET_KEY", secret_key)
        .env("WABAGATE_REDIS_URL", redis);
    if demo {
        command.arg("--demo");
    }
    std::fs::create_dir_all(&data_dir).unwrap();
    Process::start_command(command, dir.join(format!("{name}.log"))).await
}

async fn get(client: &reqwest::Client, url: String, key: &str) -> u16 {
    client.get(url).bearer_auth(key).send().await.map(|answer| answer.status().as_u16()).unwrap_or(0)
}

async fn metric(client: &reqwest::Client, gateway: &Process, sample: &str) -> Option<String> {
    let text = client.get(gateway.url("/metrics")).send().await.unwrap().text().await.unwrap();
    text.lines().find_map(|line| Some(line.strip_prefix(sample)?.trim().to_owned()))
}

#[tokio::test]
async fn three_instances_admit_the_limit_together_and_keep_serving_when_redis_goes() {
    let test = "three_instances_admit_the_limit_together_and_keep_serving_when_redis_goes";
    let Some(mut redis) = PrivateRedis::start(test).await else { return };
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}", dir.path().join("shared.db").display());
    let secret_key = hex::encode(rand::random::<[u8; 32]>());
    // The first makes the demo account, key and connection; the others find them in the store.
    // Each has its own in-process sandbox, which honours the demo's token.
    let first = instance(dir.path(), "one", &database_url, &secret_key, &redis.url(), true).await;
    let demo = Demo::read(&dir.path().join("one"));
    let gateways = [
        first,
        instance(dir.path(), "two", &database_url, &secret_key, &redis.url(), false).await,
        instance(dir.path(), "three", &database_url, &secret_key, &redis.url(), false).await,
    ];
    let client = reqwest::Client::new();
    let path = format!("/whatsapp-business/v21.0/{}", demo.phone_number_id);
    for gateway in &gateways {
        // Shared once Redis answered (the first probe runs at start).
        wait_for_mode(&client, gateway, "redis").await;
    }

    // 200 requests at once, spread evenly over the three.
    assert_shared_limit(&client, &gateways, &path, &demo.api_key).await;

    // Redis goes away mid-load (killed while a round's requests are in flight): every
    // instance keeps serving, on its own limit.
    let mut after_loss = Vec::new();
    for round in 0..60 {
        let answers = futures_util::future::join_all(
            gateways.iter().map(|gateway| get(&client, gateway.url(&path), &demo.api_key)),
        );
        let kill = async {
            if round == 20 {
                tokio::time::sleep(Duration::from_millis(2)).await;
                redis.kill();
            }
        };
        let (answers, ()) = tokio::join!(answers, kill);
        assert!(answers.iter().all(|status| [200, 429].contains(status)), "round {round}: {answers:?}");
        if round > 20 {
            after_loss.extend(answers);
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(after_loss.iter().filter(|status| **status == 200).count() >= 3, "{after_loss:?}");
    for gateway in &gateways {
        assert_eq!(
            metric(&client, gateway, r#"wabagate_rate_limit_mode{mode="local_fallback"}"#).await.as_deref(),
            Some("1")
        );
        let ready = client.get(gateway.url("/readyz")).send().await.unwrap();
        assert_eq!(ready.status(), 200, "fail-open: still ready");
        // One warning for the outage, not one per request.
        let log = gateway.log();
        assert_eq!(log.matches("Redis does not answer").count(), 1, "{log}");
        assert!(!log.contains(&secret_key));
    }

    // Redis back (empty, as after a restart): once each instance's probe hears it, the limit
    // is shared again.
    redis.resume_service().await;
    for gateway in &gateways {
        wait_for_mode(&client, gateway, "redis").await;
    }
    assert_shared_limit(&client, &gateways, &path, &demo.api_key).await;
}

/// Waits (at most 5 s) until `gateway`'s `/metrics` says the limit is in `mode`.
async fn wait_for_mode(client: &reqwest::Client, gateway: &Process, mode: &str) {
    let sample = format!(r#"wabagate_rate_limit_mode{{mode="{mode}"}}"#);
    for _ in 0..100 {
        if metric(client, gateway, &sample).await.as_deref() == Some("1") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{} never reached mode {mode}", gateway.base_url);
}

/// 200 requests at once, spread evenly over the gateways, admit the limit for them all
/// together (in each rolling second they span), not the limit each.
async fn assert_shared_limit(client: &reqwest::Client, gateways: &[Process], path: &str, key: &str) {
    let started = Instant::now();
    let statuses = futures_util::future::join_all(
        (0..200).map(|request| get(client, gateways[request % gateways.len()].url(path), key)),
    )
    .await;
    let elapsed = started.elapsed();
    let admitted = statuses.iter().filter(|status| **status == 200).count() as u64;
    assert!(statuses.iter().all(|status| [200, 429].contains(status)), "{statuses:?}");
    let windows = elapsed.as_secs() + 1;
    assert!(admitted >= 10 && admitted <= 10 * windows, "{admitted} admitted in {elapsed:?}");
    if elapsed < Duration::from_secs(1) {
        assert_eq!(admitted, 10, "10 for the three together, not 10 each ({elapsed:?})");
    }
}

#[tokio::test]
async fn a_redis_url_that_cannot_work_stops_the_start_without_showing_its_password() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_str().unwrap();
    for url in ["rediss://:hunter2@cache.internal:6380/#insecure", "http://:hunter2@cache.internal"] {
        let args = ["serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir, "--redis-url", url];
        let (code, _, err) = crate::support::run(&args).await;
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("--redis-url: not a usable Redis URL"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }
}
