//! The rate limit shared through Redis (`--redis-url`): gateways on one store and one Redis
//! admit N per second together; a Redis that is gone, or hangs, leaves them serving on the
//! local limit (or answering 503 when failing closed), and they go back to the shared limit
//! when it answers again, without a restart.

use std::time::{Duration, Instant};

use wabagate_server::config::GlobalRateLimit;

use crate::redis_server::{PrivateRedis, shared_redis_url};
use crate::support::{EchoUpstream, Options, TestApp, assert_gateway_error, metric};

const SEND: &str = "/whatsapp-business/v21.0/me";

fn shared_limit(url: &str, fail_closed: bool) -> Option<GlobalRateLimit> {
    let mut global = GlobalRateLimit::new(url).unwrap();
    global.fail_closed = fail_closed;
    Some(global)
}

/// Waits (at most 10 s) until `/metrics` says `mode` decides the rate limit.
async fn wait_for_mode(app: &TestApp, mode: &str) {
    let sample = format!("wabagate_rate_limit_mode{{mode=\"{mode}\"}}");
    for _ in 0..200 {
        if metric(app, &sample).await == 1.0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the rate limit never reached mode {mode}");
}

async fn redis_connection(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url).unwrap().get_multiplexed_async_connection().await.unwrap()
}

async fn readyz(app: &TestApp) -> (u16, String) {
    let response = app.client.get(app.url("/readyz")).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn three_gateways_sharing_redis_admit_the_limit_together() {
    let Some(url) = shared_redis_url("three_gateways_sharing_redis_admit_the_limit_together") else { return };
    let upstream = EchoUpstream::start().await;
    // One store for the three (one database, one master key), as instances share one database.
    let shared = |options: Options| Options {
        rate_limit: 10,
        // Generous: a loaded test machine must not make this a test of the fallback.
        global_rate_limit: shared_limit(&url, false).map(|mut global| {
            global.call_timeout = Duration::from_secs(2);
            global
        }),
        ..options
    };
    let mut gateways = vec![TestApp::spawn_with(shared(Options::new(&upstream.url))).await];
    for _ in 1..3 {
        let beside = gateways[0].beside(&upstream.url);
        gateways.push(TestApp::spawn_with(shared(beside)).await);
    }
    let (account, key) = gateways[0].account_with_key("acme").await;
    gateways[0].active_connection(&account, &[]).await;
    for gateway in &gateways {
        wait_for_mode(gateway, "redis").await;
    }

    let started = Instant::now();
    let (mut admitted, mut refused) = (0, 0);
    for request in 0..30 {
        let response = gateways[request % 3].get(SEND, &key).send().await.unwrap();
        match response.status().as_u16() {
            200 => admitted += 1,
            429 => {
                assert!(response.headers().contains_key("retry-after"));
                assert_gateway_error(response, 429, "rate_limited").await;
                refused += 1;
            }
            status => panic!("unexpected {status}"),
        }
    }
    let elapsed = started.elapsed();
    // Within one second the contract is exact: 10 for the three together, never 10 each.
    let windows = elapsed.as_secs() + 1;
    assert!(admitted >= 10 && admitted <= 10 * windows, "{admitted} admitted, {refused} refused in {elapsed:?}");
    if elapsed < Duration::from_secs(1) {
        assert_eq!(admitted, 10, "in {elapsed:?}");
    }
    assert_eq!(upstream.requests().len(), admitted as usize, "refused requests never reach the upstream");

    // The log is namespaced, holds at most the limit, and expires.
    let mut redis = redis_connection(&url).await;
    let log = format!("wabagate:rl:{}", account.account_id);
    let entries: u32 = redis::cmd("ZCARD").arg(&log).query_async(&mut redis).await.unwrap();
    assert!((1..=10).contains(&entries), "{entries} entries");
    let expires_in: i64 = redis::cmd("PTTL").arg(&log).query_async(&mut redis).await.unwrap();
    assert!((1..=1000).contains(&expires_in), "PTTL {expires_in}");
    assert_eq!(readyz(&gateways[1]).await, (200, "ready\n".to_owned()));
}

#[tokio::test]
async fn a_redis_that_is_gone_leaves_the_gateway_serving_on_its_own_limit_until_it_is_back() {
    let test = "a_redis_that_is_gone_leaves_the_gateway_serving_on_its_own_limit_until_it_is_back";
    let Some(mut redis) = PrivateRedis::start(test).await else { return };
    let upstream = EchoUpstream::start().await;
    let options =
        Options { rate_limit: 3, global_rate_limit: shared_limit(&redis.url(), false), ..Options::new(&upstream.url) };
    let app = TestApp::spawn_with(options).await;
    let (account, key) = app.account_with_key("acme").await;
    app.active_connection(&account, &[]).await;
    wait_for_mode(&app, "redis").await;
    for _ in 0..3 {
        assert_eq!(app.get(SEND, &key).send().await.unwrap().status(), 200);
    }
    assert_eq!(app.get(SEND, &key).send().await.unwrap().status(), 429);

    redis.kill();
    // Fail-open: this instance's own limit decides, from an empty log.
    assert_eq!(app.get(SEND, &key).send().await.unwrap().status(), 200);
    assert_eq!(metric(&app, r#"wabagate_rate_limit_mode{mode="local_fallback"}"#).await, 1.0);
    assert_eq!(metric(&app, r#"wabagate_rate_limit_mode{mode="redis"}"#).await, 0.0);
    assert!(metric(&app, "wabagate_rate_limit_redis_errors_total").await >= 1.0);
    let (status, body) = readyz(&app).await;
    assert_eq!(status, 200, "still ready: it serves");
    assert!(body.contains("Redis does not answer"), "{body}");
    // And the local limit holds.
    let statuses: Vec<u16> = futures_util::future::join_all((0..3).map(|_| app.get(SEND, &key).send()))
        .await
        .into_iter()
        .map(|answer| answer.unwrap().status().as_u16())
        .collect();
    assert!(statuses.contains(&429), "the local limiter stands in: {statuses:?}");

    redis.resume_service().await;
    wait_for_mode(&app, "redis").await;
    // The restarted Redis lost every log (it keeps none on disk): the next request is counted there.
    assert_eq!(app.get(SEND, &key).send().await.unwrap().status(), 200);
    let entries: u32 = redis::cmd("ZCARD")
        .arg(format!("wabagate:rl:{}", account.account_id))
        .query_async(&mut redis_connection(&redis.url()).await)
        .await
        .unwrap();
    assert_eq!(entries, 1);
    assert_eq!(readyz(&app).await, (200, "ready\n".to_owned()));
}

#[tokio::test]
async fn failing_closed_answers_503_while_redis_is_gone() {
    let Some(mut redis) = PrivateRedis::start("failing_closed_answers_503_while_redis_is_gone").await else { return };
    let upstream = EchoUpstream::start().await;
    let options =
        Options { rate_limit: 3, global_rate_limit: shared_limit(&redis.url(), true), ..Options::new(&upstream.url) };
    let app = TestApp::spawn_with(options).await;
    let (account, key) = app.account_with_key("acme").await;
    app.active_connection(&account, &[]).await;
    wait_for_mode(&app, "redis").await;
    assert_eq!(app.get(SEND, &key).send().await.unwrap().status(), 200);

    redis.kill();
    let message = assert_gateway_error(app.get(SEND, &key).send().await.unwrap(), 503, "rate_limit_unavailable").await;
    assert!(message.contains("rate limit is unavailable"), "{message}");
    assert_eq!(metric(&app, r#"wabagate_rate_limit_mode{mode="refusing"}"#).await, 1.0);
    let response = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_gateway_error(response, 503, "rate_limit_unavailable").await;
    // Only gateway requests are limited: the control API still answers.
    assert_eq!(app.get("/connections", &key).send().await.unwrap().status(), 200);

    redis.resume_service().await;
    wait_for_mode(&app, "redis").await;
    assert_eq!(app.get(SEND, &key).send().await.unwrap().status(), 200);
    assert_eq!(readyz(&app).await.0, 200);
}

#[tokio::test]
async fn a_redis_that_hangs_costs_a_request_its_call_timeout_not_a_hang() {
    let test = "a_redis_that_hangs_costs_a_request_its_call_timeout_not_a_hang";
    let Some(redis) = PrivateRedis::start(test).await else { return };
    let upstream = EchoUpstream::start().await;
    let options =
        Options { rate_limit: 3, global_rate_limit: shared_limit(&redis.url(), false), ..Options::new(&upstream.url) };
    let app = TestApp::spawn_with(options).await;
    let (account, key) = app.account_with_key("acme").await;
    app.active_connection(&account, &[]).await;
    wait_for_mode(&app, "redis").await;

    redis.signal("-STOP");
    // Without the call timeout this request would wait as long as Redis does: forever.
    let answer = app.get(SEND, &key).timeout(Duration::from_secs(10)).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(metric(&app, r#"wabagate_rate_limit_mode{mode="local_fallback"}"#).await, 1.0);

    redis.signal("-CONT");
    wait_for_mode(&app, "redis").await;
    assert_eq!(app.get(SEND, &key).send().await.unwrap().status(), 200);
}
