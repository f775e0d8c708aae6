//! An operator's mistakes, caught at start by the real binary: a second `serve` on one data
//! dir, a wrong master key, another program's `DATABASE_URL`; and what protects the data:
//! private files, and a backup that restores to a working gateway.

use std::process::Stdio;
use std::time::Duration;

use crate::support::{Demo, Process, hello_text, on_postgres, wabagate};

/// Runs a command that must exit on its own: (exit code, stderr).
async fn exits(mut command: tokio::process::Command) -> (i32, String) {
    crate::support::on_test_database(&mut command).await;
    let output = tokio::time::timeout(Duration::from_secs(60), command.stdin(Stdio::null()).output())
        .await
        .expect("the command exits on its own")
        .unwrap();
    (output.status.code().unwrap_or(-1), String::from_utf8(output.stderr).unwrap())
}

fn serve(data_dir: &std::path::Path) -> tokio::process::Command {
    let mut command = wabagate();
    command.args(["serve", "--listen", "127.0.0.1:0", "--data-dir"]).arg(data_dir);
    command
}

#[tokio::test]
async fn a_second_serve_on_the_same_data_dir_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let first = Process::serve(dir.path(), &[]).await;
    let (code, stderr) = exits(serve(dir.path())).await;
    assert_ne!(code, 0);
    assert!(
        stderr.contains("another `wabagate serve`")
            && stderr.contains(&format!("(pid {})", first.pid()))
            && stderr.contains("--data-dir"),
        "{stderr}"
    );
    let reachable = reqwest::get(first.url("/healthz")).await.unwrap();
    assert_eq!(reachable.status(), 200, "the first one serves on");
    assert!(first.stop().await.success());
    // Once it stopped, the data dir is free again.
    let next = Process::serve(dir.path(), &[]).await;
    assert!(next.stop().await.success());
}

#[cfg(unix)]
#[tokio::test]
async fn the_data_dir_and_the_database_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    if on_postgres("the_data_dir_and_the_database_files_are_private") {
        return;
    }
    let parent = tempfile::tempdir().unwrap();
    let data_dir = parent.path().join("data");
    let mut command = serve(&data_dir);
    command.arg("--demo");
    let gateway = Process::start_command(command, parent.path().join("serve.log")).await;
    let mode = |name: &str| std::fs::metadata(data_dir.join(name)).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(""), 0o700);
    for file in ["wabagate.db", "wabagate.db-wal", "wabagate.db-shm", "secret.key"] {
        assert_eq!(mode(file), 0o600, "{file}");
    }
    assert!(gateway.stop().await.success());
}

#[tokio::test]
async fn a_wrong_master_key_stops_the_start_with_the_key_id_and_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let gateway = Process::serve(dir.path(), &["--demo"]).await;
    assert!(gateway.stop().await.success());
    let right_key = std::fs::read_to_string(dir.path().join("secret.key")).unwrap();

    let mut wrong = serve(dir.path());
    wrong.env("WABAGATE_SECRET_KEY", "11".repeat(32));
    let (code, stderr) = exits(wrong).await;
    assert_ne!(code, 0);
    assert!(
        stderr.contains("master key id")
            && stderr.contains("WABAGATE_SECRET_KEY")
            && stderr.contains("WABAGATE_OLD_SECRET_KEYS"),
        "{stderr}"
    );
    assert!(!stderr.contains(right_key.trim()), "the key itself is never printed");

    // The rotation the message describes: a new key, the old one kept beside it.
    let mut rotated = serve(dir.path());
    rotated.env("WABAGATE_SECRET_KEY", "11".repeat(32)).env("WABAGATE_OLD_SECRET_KEYS", right_key.trim());
    let rotated = Process::start_command(rotated, dir.path().join("rotated.log")).await;
    assert!(rotated.stop().await.success());
}

#[tokio::test]
async fn the_database_url_is_wabagate_database_url_not_another_program_s_database_url() {
    if on_postgres("the_database_url_is_wabagate_database_url_not_another_program_s_database_url") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut ignored = wabagate();
    ignored.args(["admin", "accounts", "create", "acme", "--data-dir"]).arg(dir.path());
    ignored.env("DATABASE_URL", "postgres://someone-else/db");
    let (code, stderr) = exits(ignored).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(dir.path().join("wabagate.db").exists());

    let elsewhere = dir.path().join("elsewhere.db");
    let mut chosen = wabagate();
    chosen.args(["admin", "accounts", "create", "acme", "--data-dir"]).arg(dir.path());
    chosen.env("WABAGATE_DATABASE_URL", format!("sqlite://{}", elsewhere.display()));
    let (code, stderr) = exits(chosen).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(elsewhere.exists());
}

#[tokio::test]
async fn a_backup_taken_while_serving_restores_to_a_working_gateway() {
    if on_postgres("a_backup_taken_while_serving_restores_to_a_working_gateway") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let gateway = Process::serve(dir.path(), &["--demo"]).await;
    let demo = Demo::read(dir.path());
    let backup = dir.path().join("backup.db");
    let mut command = wabagate();
    command.args(["admin", "backup", "--to"]).arg(&backup).arg("--data-dir").arg(dir.path());
    let (code, stderr) = exits(command).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(gateway.stop().await.success());

    // A new machine: the backup as its database, and the master key kept beside it.
    let restored = tempfile::tempdir().unwrap();
    std::fs::copy(&backup, restored.path().join("wabagate.db")).unwrap();
    std::fs::copy(dir.path().join("secret.key"), restored.path().join("secret.key")).unwrap();
    let gateway = Process::serve(restored.path(), &[]).await;
    let client = reqwest::Client::new();
    let sent = client
        .post(gateway.url(&format!("/whatsapp-business/v21.0/{}/messages", demo.phone_number_id)))
        .bearer_auth(&demo.api_key)
        .json(&hello_text())
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200, "{}", sent.text().await.unwrap());
    let connection: serde_json::Value = client
        .get(gateway.url(&format!("/connections/{}", demo.connection_id)))
        .bearer_auth(&demo.api_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(connection["connection"]["status"], "ACTIVE");
    assert!(gateway.stop().await.success());
}
