//! Redis over TLS (`rediss://`): a private `redis-server` listening on TLS only, with a
//! certificate from a CA made in the test and a password. Trusting that CA
//! (`--redis-ca-file`), the limit is kept in Redis; trusting only the system's roots, the
//! gateway still starts and serves on its own limit (fail-open, as for any Redis it cannot
//! reach) and says why once, without the password.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair};

use crate::redis_server::shared_redis_url;
use crate::support::{Demo, Process, wabagate};

const PASSWORD: &str = "hunter2-tls";
const LIMIT: usize = 5;

/// A CA and a certificate it signed for 127.0.0.1, as PEM files in `dir`.
fn certificates(dir: &Path) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, "wabagate test CA");
    std::fs::write(dir.join("ca.pem"), ca.self_signed(&ca_key).unwrap().pem()).unwrap();
    let issuer = Issuer::new(ca, ca_key);

    let server_key = KeyPair::generate().unwrap();
    let mut server = CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
    server.distinguished_name.push(DnType::CommonName, "redis");
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    std::fs::write(dir.join("redis.pem"), server.signed_by(&server_key, &issuer).unwrap().pem()).unwrap();
    std::fs::write(dir.join("redis.key"), server_key.serialize_pem()).unwrap();
}

/// `redis-server` on TLS only (no plain port), with a password; killed when dropped.
struct TlsRedis {
    child: Child,
    port: u16,
}

impl TlsRedis {
    async fn start(dir: &Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new("redis-server")
            .args(["--port", "0", "--bind", "127.0.0.1", "--tls-port", &port.to_string()])
            .arg("--tls-cert-file")
            .arg(dir.join("redis.pem"))
            .arg("--tls-key-file")
            .arg(dir.join("redis.key"))
            .arg("--tls-ca-cert-file")
            .arg(dir.join("ca.pem"))
            .args(["--tls-auth-clients", "no", "--requirepass", PASSWORD, "--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is installed (.ci/run installs it)");
        let redis = Self { child, port };
        for _ in 0..500 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return redis;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the TLS redis-server did not listen within 5 s");
    }

    fn url(&self) -> String {
        format!("rediss://:{PASSWORD}@127.0.0.1:{}", self.port)
    }

    /// What `redis-cli` over TLS, trusting the test's CA, answers to `args`.
    fn cli(&self, dir: &Path, args: &[&str]) -> String {
        let output = Command::new("redis-cli")
            .args(["--tls", "--cacert"])
            .arg(dir.join("ca.pem"))
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(args)
            .env("REDISCLI_AUTH", PASSWORD)
            .output()
            .unwrap();
        String::from_utf8(output.stdout).unwrap()
    }
}

impl Drop for TlsRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn serve(dir: &Path, name: &str, redis_url: &str, extra: &[&str]) -> Process {
    let data_dir = dir.join(name);
    std::fs::create_dir_all(&data_dir).unwrap();
    let mut command = wabagate();
    command
        .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data_dir)
        .args(["--rate-limit", &LIMIT.to_string(), "--redis-timeout-ms", "2000"])
        .args(extra)
        .env("WABAGATE_REDIS_URL", redis_url);
    Process::start_command(command, dir.join(format!("{name}.log"))).await
}

async fn metric(client: &reqwest::Client, gateway: &Process, sample: &str) -> Option<String> {
    let text = client.get(gateway.url("/metrics")).send().await.unwrap().text().await.unwrap();
    text.lines().find_map(|line| Some(line.strip_prefix(sample)?.trim().to_owned()))
}

/// Waits until `/metrics` says `mode` decides the limit.
async fn wait_for_mode(client: &reqwest::Client, gateway: &Process, mode: &str) {
    let sample = format!(r#"wabagate_rate_limit_mode{{mode="{mode}"}}"#);
    for _ in 0..200 {
        if metric(client, gateway, &sample).await.as_deref() == Some("1") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the rate limit never went to {mode}; log:\n{}", gateway.log());
}

#[tokio::test]
async fn the_limit_is_kept_in_redis_over_tls_with_a_trusted_ca_and_falls_back_without_it() {
    let test = "the_limit_is_kept_in_redis_over_tls_with_a_trusted_ca_and_falls_back_without_it";
    if shared_redis_url(test).is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    certificates(dir.path());
    let redis = TlsRedis::start(dir.path()).await;
    let client = reqwest::Client::new();
    let ca_file = dir.path().join("ca.pem");

    // The CA trusted: a burst is limited by Redis, and the account's log is there.
    let trusting = serve(dir.path(), "trusting", &redis.url(), &["--redis-ca-file", ca_file.to_str().unwrap()]).await;
    wait_for_mode(&client, &trusting, "redis").await;
    let demo = Demo::read(&dir.path().join("trusting"));
    let path = format!("/whatsapp-business/v21.0/{}", demo.phone_number_id);
    let statuses = futures_util::future::join_all((0..3 * LIMIT).map(|_| async {
        client.get(trusting.url(&path)).bearer_auth(&demo.api_key).send().await.unwrap().status().as_u16()
    }))
    .await;
    let admitted = statuses.iter().filter(|status| **status == 200).count();
    assert!(statuses.iter().all(|status| [200, 429].contains(status)), "{statuses:?}");
    assert!((LIMIT..=2 * LIMIT).contains(&admitted), "{statuses:?}");
    let keys = redis.cli(dir.path(), &["--scan", "--pattern", "wabagate:rl:*"]);
    assert!(keys.contains("wabagate:rl:"), "no log in Redis: {keys:?}");
    assert_eq!(metric(&client, &trusting, r#"wabagate_rate_limit_mode{mode="redis"}"#).await.as_deref(), Some("1"));
    assert_eq!(metric(&client, &trusting, "wabagate_rate_limit_redis_errors_total").await.as_deref(), Some("0"));

    // Only the system's roots: the certificate is refused, so Redis is as good as unreachable.
    let doubting = serve(dir.path(), "doubting", &redis.url(), &[]).await;
    wait_for_mode(&client, &doubting, "local_fallback").await;
    let ready = client.get(doubting.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.text().await.unwrap(), "ready; rate limit per instance: Redis does not answer\n");
    // The log is written by a thread of its own: the line may follow the gauge by a moment.
    for _ in 0..200 {
        if doubting.log().contains("Redis does not answer") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let log = doubting.log();
    assert_eq!(log.matches("Redis does not answer").count(), 1, "{log}");
    assert!(log.contains("certificate"), "the warning says why: {log}");
    assert!(!log.contains(PASSWORD), "{log}");
}

#[tokio::test]
async fn a_ca_file_that_cannot_work_stops_the_start_without_showing_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let not_pem = dir.path().join("not-a-ca.pem");
    std::fs::write(&not_pem, "hello").unwrap();
    let pem = dir.path().join("ca.pem");
    std::fs::write(&pem, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").unwrap();
    let cases = [
        ("rediss://:hunter2@cache.internal:6380", not_pem.clone(), "--redis-ca-file: not a usable CA file"),
        ("rediss://:hunter2@cache.internal:6380", dir.path().join("missing.pem"), "--redis-ca-file: reading"),
        ("redis://:hunter2@cache.internal:6379", pem, "a CA file is for a rediss:// URL"),
    ];
    for (url, ca_file, expected) in cases {
        let args = ["serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir.to_str().unwrap(), "--redis-url", url];
        let (code, _, err) =
            crate::support::run(&[&args[..], &["--redis-ca-file", ca_file.to_str().unwrap()]].concat()).await;
        assert_eq!(code, 1, "{err}");
        assert!(err.contains(expected), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }
}
