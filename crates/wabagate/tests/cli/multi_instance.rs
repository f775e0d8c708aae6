//! Three real `wabagate serve` processes on one PostgreSQL database, as behind a load
//! balancer: each has its own data dir and sandbox, all share the database and the master
//! key. A connection made through one serves through the others; a key revoked or a
//! connection deleted anywhere is refused everywhere within a second; a killed instance
//! leaves the others serving. Skipped (saying so) unless `WABAGATE_TEST_DATABASE_URL` names a PostgreSQL server.
//! The shared rate limit across instances (Redis) is tested where that lives.

use std::time::{Duration, Instant};

use serde_json::Value;
use wabagate_store::test_database::{TestDatabase, server_url};

use crate::support::{Demo, Process, hello_text, run, wabagate};

async fn instance(data_dir: &std::path::Path, database_url: &str, secret_key: &str, demo: bool) -> Process {
    let mut command = wabagate();
    command.args(["serve", "--listen", "127.0.0.1:0", "--data-dir"]).arg(data_dir);
    command.args(["--database-url", database_url]).env("WABAGATE_SECRET_KEY", secret_key);
    if demo {
        command.arg("--demo");
    }
    Process::start_command(command, data_dir.join("serve.log")).await
}

async fn status(client: &reqwest::Client, url: String, key: &str) -> u16 {
    client.get(url).bearer_auth(key).send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn three_instances_share_connections_and_a_revoked_key_is_refused_by_all_within_a_second() {
    if server_url().is_none() {
        println!("three_instances_…: skipped (WABAGATE_TEST_DATABASE_URL is not set)");
        return;
    }
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let database = TestDatabase::create(&dirs[0].path().join("unused.db")).await;
    let secret_key = hex::encode(rand::random::<[u8; 32]>());
    let first = instance(dirs[0].path(), database.url(), &secret_key, true).await;
    let demo = Demo::read(dirs[0].path());
    let mut others = Vec::new();
    for dir in &dirs[1..] {
        others.push(instance(dir.path(), database.url(), &secret_key, false).await);
    }
    let client = reqwest::Client::new();

    // The connection the first made is used through the others.
    for other in &others {
        let sent = client
            .post(other.url(&format!("/whatsapp-business/v21.0/{}/messages", demo.phone_number_id)))
            .bearer_auth(&demo.api_key)
            .json(&hello_text())
            .send()
            .await
            .unwrap();
        assert_eq!(sent.status(), 200, "{}", sent.text().await.unwrap());
        let listed: Value = client
            .get(other.url("/connections"))
            .bearer_auth(&demo.api_key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(listed.to_string().contains(&demo.connection_id), "{listed}");
    }

    // A key made and revoked by `admin` beside them stops working on all three within a second.
    let admin = |args: &[&str]| {
        let mut full = vec!["admin", "--json", "--data-dir"];
        full.push(dirs[0].path().to_str().unwrap());
        full.extend_from_slice(&["--database-url", database.url()]);
        full.extend_from_slice(args);
        full.iter().map(|arg| arg.to_string()).collect::<Vec<_>>()
    };
    let created = admin(&["keys", "create", "--account", "demo"]);
    let created: Vec<&str> = created.iter().map(String::as_str).collect();
    let (code, stdout, stderr) = run(&created).await;
    assert_eq!(code, 0, "{stderr}");
    let key: Value = serde_json::from_str(&stdout).unwrap();
    let api_key = key["api_key"].as_str().unwrap().to_owned();
    let instances: Vec<&Process> = std::iter::once(&first).chain(others.iter()).collect();
    for instance in &instances {
        assert_eq!(status(&client, instance.url("/connections"), &api_key).await, 200);
    }
    let revoke = admin(&["keys", "revoke", key["key_id"].as_str().unwrap()]);
    let revoke: Vec<&str> = revoke.iter().map(String::as_str).collect();
    let (code, _, stderr) = run(&revoke).await;
    assert_eq!(code, 0, "{stderr}");
    let deadline = Instant::now() + Duration::from_secs(1);
    for instance in &instances {
        while status(&client, instance.url("/connections"), &api_key).await != 401 {
            assert!(Instant::now() < deadline, "{} still accepts the revoked key", instance.base_url);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    // The demo connection deleted through the first is gone on all three within a second,
    // though each had it cached for routing.
    let me = |instance: &Process| {
        client
            .get(instance.url("/whatsapp-business/v21.0/me"))
            .bearer_auth(&demo.api_key)
            .header("maton-connection", &demo.connection_id)
    };
    for instance in &instances {
        // Whatever the sandbox makes of `me`, the gateway found the connection.
        assert_ne!(me(instance).send().await.unwrap().status(), 404);
    }
    let deleted = client
        .delete(first.url(&format!("/connections/{}", demo.connection_id)))
        .bearer_auth(&demo.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 200);
    let deadline = Instant::now() + Duration::from_secs(1);
    for instance in &instances {
        while me(instance).send().await.unwrap().status() != 404 {
            assert!(Instant::now() < deadline, "{} still routes to the deleted connection", instance.base_url);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    // One instance killed: the other two keep serving.
    let survivor = others.pop().unwrap();
    others.pop().unwrap().kill().await;
    for instance in [&first, &survivor] {
        for _ in 0..10 {
            assert_eq!(status(&client, instance.url("/connections"), &demo.api_key).await, 200);
        }
    }
}
