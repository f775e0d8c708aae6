use std::time::Duration;

use serde_json::Value;
use wabagate_sandbox::seed::{DEMO_ACCESS_TOKEN, DEMO_PHONE_NUMBERS, DEMO_WABA_ID};

use crate::support::{Process, hello_text, run};

async fn admin_json(data_dir: &str, args: &[&str]) -> Value {
    let mut full = vec!["admin", "--data-dir", data_dir, "--json"];
    full.extend_from_slice(args);
    let (code, stdout, stderr) = run(&full).await;
    assert_eq!(code, 0, "wabagate {full:?} failed: {stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("not JSON: {stdout}"))
}

#[tokio::test]
async fn an_operator_creates_an_account_a_key_and_imports_a_token_then_revokes_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_str().unwrap();

    let account = admin_json(data_dir, &["accounts", "create", "acme"]).await;
    assert_eq!(account["name"], "acme");
    let (code, listed, _) = run(&["admin", "--data-dir", data_dir, "accounts", "list"]).await;
    assert_eq!(code, 0);
    assert!(listed.contains("acme") && listed.contains(account["account_id"].as_str().unwrap()), "{listed}");

    let key = admin_json(data_dir, &["keys", "create", "--account", "acme"]).await;
    let api_key = key["api_key"].as_str().unwrap().to_owned();
    assert!(api_key.starts_with("wbg_"));
    let (_, human_keys, _) = run(&["admin", "--data-dir", data_dir, "keys", "list"]).await;
    assert!(human_keys.contains(key["prefix"].as_str().unwrap()), "{human_keys}");
    assert!(!human_keys.contains(&api_key), "a listed key is never shown whole");

    let imported = admin_json(
        data_dir,
        &["connections", "import", "--account", "acme", "--token", DEMO_ACCESS_TOKEN, "--waba-id", DEMO_WABA_ID],
    )
    .await;
    let connection = &imported["connection"];
    assert_eq!(connection["status"], "ACTIVE");
    assert_eq!(connection["metadata"]["waba_ids"], serde_json::json!([DEMO_WABA_ID]));
    let numbers: Vec<&str> =
        connection["metadata"]["phone_numbers"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap()).collect();
    assert_eq!(numbers, DEMO_PHONE_NUMBERS.map(|(id, _, _)| id));
    assert!(!imported.to_string().contains(DEMO_ACCESS_TOKEN), "the token is never printed");

    let gateway = Process::serve(dir.path(), &[]).await;
    let client = reqwest::Client::new();
    let send = || {
        client
            .post(gateway.url(&format!("/whatsapp-business/v21.0/{}/messages", numbers[0])))
            .bearer_auth(&api_key)
            .json(&hello_text())
            .send()
    };
    assert_eq!(send().await.unwrap().status(), 200);

    let revoked = admin_json(data_dir, &["keys", "revoke", key["key_id"].as_str().unwrap()]).await;
    assert!(revoked["revoked_time"].is_string(), "{revoked}");
    // The revocation is committed when the command returns; a second later the key is refused.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(send().await.unwrap().status(), 401, "the revoked key still works a second later");
}

#[tokio::test]
async fn admin_errors_are_one_clear_line_and_a_failing_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_str().unwrap();
    let (code, _, stderr) = run(&["admin", "--data-dir", data_dir, "keys", "create", "--account", "nobody"]).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("no account named or with id \"nobody\""), "{stderr}");
    run(&["admin", "--data-dir", data_dir, "accounts", "create", "acme"]).await;
    let (code, _, stderr) = run(&["admin", "--data-dir", data_dir, "accounts", "create", "acme"]).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("already exists"), "{stderr}");
}

#[tokio::test]
async fn serve_no_migrate_waits_for_admin_migrate_which_runs_once() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_str().unwrap();

    let (code, _, stderr) = run(&["serve", "--listen", "127.0.0.1:0", "--data-dir", data_dir, "--no-migrate"]).await;
    assert_ne!(code, 0, "a schema behind refuses the start");
    assert!(stderr.contains("wabagate admin migrate"), "{stderr}");

    for _ in 0..2 {
        let (code, stdout, stderr) = run(&["admin", "--data-dir", data_dir, "migrate"]).await;
        assert_eq!(code, 0, "{stderr}");
        assert!(stdout.contains("is up to date"), "{stdout}");
    }
    let gateway = Process::serve(dir.path(), &["--no-migrate"]).await;
    assert_eq!(reqwest::get(gateway.url("/readyz")).await.unwrap().status(), 200);
    assert!(gateway.stop().await.success());
}

#[tokio::test]
async fn a_database_password_is_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_str().unwrap();
    // Nothing listens on port 1: the store counts as unavailable within its acquire timeout.
    let url = "postgres://wabagate:hunter2-secret@127.0.0.1:1/wabagate";
    let started = std::time::Instant::now();
    let (code, stdout, stderr) = run(&["admin", "--data-dir", data_dir, "--database-url", url, "migrate"]).await;
    assert_ne!(code, 0);
    assert!(started.elapsed() < Duration::from_secs(20), "gave up in {:?}", started.elapsed());
    assert!(!stdout.contains("hunter2") && !stderr.contains("hunter2"), "{stdout}{stderr}");
    assert!(stderr.contains("postgres://wabagate:***@127.0.0.1:1/wabagate"), "{stderr}");
}
