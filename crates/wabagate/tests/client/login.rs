//! `wabagate login` saves a verified profile (0600) in the user's config dir, `--profile` and
//! `WABAGATE_PROFILE` pick one, flags and environment variables still win, `whoami` shows it.

use crate::support::{DemoGateway, run_with_input};

#[tokio::test]
async fn a_saved_profile_is_used_when_nothing_else_is_given() {
    let gateway = DemoGateway::start().await;
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config");
    let config_dir = config.to_str().unwrap();
    let key = format!("{}\n", gateway.api_key);
    let login = run_with_input(
        &["login", "--url", &gateway.base_url, "--api-key", "-"],
        &[("XDG_CONFIG_HOME", config_dir)],
        Some(key.as_bytes()),
    )
    .await;
    assert!(login.ok().starts_with(&format!("Logged in to {} as profile default (1 connection)", gateway.base_url)));
    let file = config.join("wabagate").join("profiles.toml");
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }

    let listed = gateway.run_with_env(&["connections", "list"], &[("XDG_CONFIG_HOME", config_dir)]).await;
    assert!(listed.ok().contains(&gateway.connection_id), "the profile gives the URL and key");
    let whoami = gateway.run_with_env(&["whoami"], &[("XDG_CONFIG_HOME", config_dir)]).await;
    let shown = whoami.ok();
    assert!(
        shown.contains(&format!("gateway:  {}", gateway.base_url)) && shown.contains("from profile default"),
        "{shown}"
    );
    assert!(!shown.contains(&gateway.api_key), "whoami never shows the whole key");

    let env_wins = gateway
        .run_with_env(
            &["connections", "list"],
            &[("XDG_CONFIG_HOME", config_dir), ("WABAGATE_API_KEY", "wbg_not_a_real_key")],
        )
        .await;
    env_wins.failed_with(1);
    let unknown = gateway
        .run_with_env(&["connections", "list"], &[("XDG_CONFIG_HOME", config_dir), ("WABAGATE_PROFILE", "staging")])
        .await;
    assert!(unknown.failed_with(2).contains("no profile \"staging\""), "{}", unknown.stderr);
}

#[tokio::test]
async fn a_key_the_gateway_refuses_is_not_saved() {
    let gateway = DemoGateway::start().await;
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config");
    let login = run_with_input(
        &["login", "--profile", "staging", "--url", &gateway.base_url, "--api-key", "-"],
        &[("XDG_CONFIG_HOME", config.to_str().unwrap())],
        Some(b"wbg_not_a_real_key\n"),
    )
    .await;
    assert!(login.failed_with(1).contains("Invalid API key"), "{}", login.stderr);
    assert!(!config.join("wabagate").join("profiles.toml").exists());
}
