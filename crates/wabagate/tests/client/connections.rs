//! `wabagate connections …`: list, create (with --open and --wait), get, delete, reconnect.

use std::time::Duration;

use crate::sandbox_dialog::connect_through_the_sandbox_dialog;
use crate::support::DemoGateway;

#[tokio::test]
async fn list_and_get_show_the_demo_connection() {
    let gateway = DemoGateway::start().await;
    let listed = gateway.run(&["connections", "list", "--status", "active"]).await;
    let stdout = listed.ok();
    assert!(stdout.starts_with("ID"), "{stdout}");
    let row = stdout.lines().nth(1).unwrap();
    assert!(row.starts_with(&gateway.connection_id) && row.contains("ACTIVE"), "{stdout}");
    assert!(row.contains(&gateway.phone_number_id), "{stdout}");

    let shown = gateway.run(&["connections", "get", &gateway.connection_id]).await;
    let stdout = shown.ok();
    assert!(stdout.contains("status:         ACTIVE"), "{stdout}");
    assert!(stdout.contains(&format!("waba_ids:       {}", gateway.waba_id)), "{stdout}");
    let raw = gateway.run(&["connections", "get", &gateway.connection_id, "--json"]).await.json();
    assert_eq!(raw["connection"]["connection_id"], gateway.connection_id.as_str());
}

#[tokio::test]
async fn create_prints_and_opens_the_connect_url_and_wait_times_out_while_pending() {
    let gateway = DemoGateway::start().await;
    let opened = gateway.path("opened-url");
    let browser = gateway.path("browser.sh");
    std::fs::write(&browser, format!("#!/bin/sh\necho \"$1\" > {}\n", opened.display())).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let created = gateway
        .run_with_env(
            &["connections", "create", "--open", "--wait", "--timeout", "1"],
            &[
                ("WABAGATE_URL", &gateway.base_url),
                ("WABAGATE_API_KEY", &gateway.api_key),
                ("BROWSER", browser.to_str().unwrap()),
            ],
        )
        .await;
    let stderr = created.failed_with(1);
    assert!(stderr.contains("is PENDING after waiting"), "{stderr}");
    let stdout = &created.stdout;
    assert!(stdout.starts_with("Created connection "), "{stdout}");
    let url = stdout.lines().nth(2).unwrap().trim();
    assert!(url.starts_with(&format!("{}/connect?", gateway.base_url)), "{stdout}");
    let mut opened_url = String::new();
    for _ in 0..50 {
        opened_url = std::fs::read_to_string(&opened).unwrap_or_default();
        if !opened_url.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(opened_url.trim(), url, "the browser was given the connect URL");

    let connection_id = stdout.split_whitespace().nth(2).unwrap();
    let deleted = gateway.run(&["connections", "delete", connection_id]).await;
    assert_eq!(deleted.ok(), format!("Deleted connection {connection_id}.\n"));
    let gone = gateway.run(&["connections", "get", connection_id]).await;
    assert!(gone.failed_with(1).contains("connection_not_found"), "{}", gone.stderr);
}

#[tokio::test]
async fn reconnect_gives_a_new_connect_url_and_unknown_ids_are_reported() {
    let gateway = DemoGateway::start().await;
    let reconnected = gateway.run(&["connections", "reconnect", &gateway.connection_id]).await;
    let stdout = reconnected.ok();
    assert!(stdout.starts_with(&format!("Reconnecting {}", gateway.connection_id)), "{stdout}");
    assert!(stdout.contains(&format!("{}/connect?", gateway.base_url)), "{stdout}");

    let unknown = gateway.run(&["connections", "reconnect", "21fd90f9-5935-43cd-b6c8-bde9d915ca80"]).await;
    let stderr = unknown.failed_with(1);
    assert!(stderr.starts_with("error: the gateway refused the request: Connection 21fd90f9"), "{stderr}");
    assert!(stderr.contains("(HTTP 404, connection_not_found)"), "{stderr}");
    let malformed = gateway.run(&["connections", "get", "not-a-uuid"]).await;
    assert!(malformed.failed_with(1).contains("invalid_connection_id"), "{}", malformed.stderr);
}

#[tokio::test]
async fn list_counts_the_numbers_of_a_connection_that_has_several() {
    let gateway = DemoGateway::start().await;
    // The demo business's System User token, imported beside the running gateway: its
    // discovery finds both of the business's numbers.
    let data_dir = gateway.path("");
    let data_dir = data_dir.to_str().unwrap();
    let imported = gateway
        .run_with_env(
            &[
                "admin",
                "connections",
                "import",
                "--account",
                "demo",
                "--token",
                wabagate_sandbox::seed::DEMO_ACCESS_TOKEN,
            ],
            &[("WABAGATE_DATA_DIR", data_dir), ("WABAGATE_UPSTREAM", &gateway.sandbox_url)],
        )
        .await;
    let stdout = imported.ok();
    let imported_id = stdout.split_whitespace().nth(2).unwrap().to_owned();

    let listed = gateway.run(&["connections", "list"]).await;
    let stdout = listed.ok();
    let row = stdout.lines().find(|line| line.starts_with(&imported_id)).unwrap_or_else(|| panic!("{stdout}"));
    assert!(row.contains("2 numbers"), "{stdout}");
}

#[tokio::test]
async fn create_attaches_a_redirect_url_tags_and_an_end_user_id_and_list_filters_by_tag() {
    let gateway = DemoGateway::start_with(&["--connect-redirect-origin", "https://app.example.com"]).await;
    let created = gateway
        .run(&[
            "connections",
            "create",
            "--redirect-url",
            "https://app.example.com/connected",
            "--tag",
            "tenant=acme",
            "--tag",
            "plan=pro=plus",
            "--end-user-id",
            "acme-42",
            "--json",
        ])
        .await
        .json();
    let connection = &created["connection"];
    assert_eq!(connection["redirect_url"], "https://app.example.com/connected");
    assert_eq!(connection["tags"], serde_json::json!({"tenant": "acme", "plan": "pro=plus"}));
    assert_eq!(connection["end_user_id"], "acme-42");
    let acme = connection["connection_id"].as_str().unwrap();
    let other = gateway.run(&["connections", "create", "--tag", "tenant=other", "--json"]).await.json();
    let other = other["connection"]["connection_id"].as_str().unwrap();

    let listed = gateway.run(&["connections", "list", "--tag", "tenant=acme", "--tag", "plan=pro=plus"]).await;
    let stdout = listed.ok();
    assert_eq!(stdout.lines().count(), 2, "a header and one row: {stdout}");
    assert!(stdout.lines().nth(1).unwrap().starts_with(acme), "{stdout}");
    assert!(!stdout.contains(other) && !stdout.contains(&gateway.connection_id), "{stdout}");
    let none = gateway.run(&["connections", "list", "--tag", "tenant=nobody"]).await;
    assert_eq!(none.ok(), "No connections.\n");

    let shown = gateway.run(&["connections", "get", acme]).await;
    let stdout = shown.ok();
    assert!(stdout.contains("redirect_url:  https://app.example.com/connected\n"), "{stdout}");
    assert!(stdout.contains("tags:          plan=pro=plus, tenant=acme\n"), "{stdout}");
    assert!(stdout.contains("end_user_id:   acme-42\n"), "{stdout}");
}

#[tokio::test]
async fn create_options_that_cannot_work_are_explained() {
    let gateway = DemoGateway::start().await;
    let no_value = gateway.run(&["connections", "create", "--tag", "tenant"]).await;
    let stderr = no_value.failed_with(2);
    assert!(stderr.contains("\"tenant\" is not NAME=VALUE (e.g. tenant=acme)"), "{stderr}");
    let elsewhere = gateway.run(&["connections", "create", "--redirect-url", "https://evil.example/steal"]).await;
    let stderr = elsewhere.failed_with(1);
    assert!(stderr.contains("redirect_url's origin https://evil.example is not allowed"), "{stderr}");
    assert!(stderr.contains("invalid_redirect_url"), "{stderr}");
}

#[tokio::test]
async fn a_second_connection_to_a_connected_waba_fails_unless_forced() {
    let gateway = DemoGateway::start().await;
    let connect = |args: &'static [&'static str]| async {
        let created = gateway.run(args).await.json();
        let id = created["connection"]["connection_id"].as_str().unwrap().to_owned();
        let done = connect_through_the_sandbox_dialog(created["connection"]["url"].as_str().unwrap()).await;
        (id, done.status())
    };
    let (first, status) = connect(&["connections", "create", "--json"]).await;
    assert_eq!(status, 200);

    let (refused, status) = connect(&["connections", "create", "--json"]).await;
    assert_eq!(status, 409);
    let shown = gateway.run(&["connections", "get", &refused]).await;
    let stdout = shown.ok();
    assert!(stdout.contains("status:   FAILED\n"), "{stdout}");
    let named =
        format!("error:    duplicate_waba: This WhatsApp Business Account is already connected (connection {first})");
    assert!(stdout.contains(&named), "{stdout}");

    let (forced, status) = connect(&["connections", "create", "--force", "--json"]).await;
    assert_eq!(status, 200);
    let shown = gateway.run(&["connections", "get", &forced]).await;
    assert!(shown.ok().contains("status:         ACTIVE\n"), "{}", shown.stdout);
}
