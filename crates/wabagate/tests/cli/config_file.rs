use crate::support::{Demo, Process};

async fn send_twice(gateway: &Process, demo: &Demo) -> Vec<u16> {
    let client = reqwest::Client::new();
    let mut statuses = Vec::new();
    for _ in 0..2 {
        let response = client
            .get(gateway.url(&format!("/whatsapp-business/v21.0/{}", demo.phone_number_id)))
            .bearer_auth(&demo.api_key)
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    statuses
}

#[tokio::test]
async fn the_config_file_sets_what_flags_do_not_and_flags_win() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("wabagate.toml");
    std::fs::write(&config, "rate_limit = 1\n").unwrap();
    let config = config.to_str().unwrap();

    let from_file = Process::serve(dir.path(), &["--demo", "--config", config]).await;
    let demo = Demo::read(dir.path());
    assert_eq!(send_twice(&from_file, &demo).await, [200, 429], "the file's rate_limit = 1 applies");
    assert!(from_file.stop().await.success());

    let flag_wins = Process::serve(dir.path(), &["--demo", "--config", config, "--rate-limit", "0"]).await;
    let demo = Demo::read(dir.path());
    assert_eq!(send_twice(&flag_wins, &demo).await, [200, 200], "--rate-limit 0 overrides the file");
}

#[tokio::test]
async fn a_config_file_with_an_unknown_key_is_refused_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("wabagate.toml");
    std::fs::write(&config, "listne = \"127.0.0.1:1\"\n").unwrap();
    let (code, _, stderr) = crate::support::run(&["serve", "--config", config.to_str().unwrap()]).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("listne"), "{stderr}");
}

/// Reads from a connection that sends nothing until the server closes it; how long that took.
async fn silent_connection_lifetime(gateway: &Process) -> std::time::Duration {
    use tokio::io::AsyncReadExt;
    let address = gateway.base_url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let started = std::time::Instant::now();
    let mut byte = [0u8; 1];
    let closed = tokio::time::timeout(std::time::Duration::from_secs(20), stream.read(&mut byte)).await;
    assert!(matches!(closed, Ok(Ok(0) | Err(_))), "the silent connection was closed, not answered");
    started.elapsed()
}

#[tokio::test]
async fn the_header_read_timeout_comes_from_the_flag_or_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("wabagate.toml");
    std::fs::write(&config, "header_read_timeout_secs = 1\nkeep_alive_timeout_secs = 5\nmax_connections = 50\n")
        .unwrap();
    let config = config.to_str().unwrap();

    let from_file = Process::serve(dir.path(), &["--config", config]).await;
    let lifetime = silent_connection_lifetime(&from_file).await;
    assert!(lifetime < std::time::Duration::from_secs(4), "closed after {lifetime:?}");
    assert!(from_file.stop().await.success());

    let flag_wins = Process::serve(dir.path(), &["--config", config, "--header-read-timeout", "3"]).await;
    let lifetime = silent_connection_lifetime(&flag_wins).await;
    assert!(lifetime >= std::time::Duration::from_secs(3), "closed after {lifetime:?}");
}
