//! How failures look: exit codes 0/1/2, one line on stderr with a hint where one helps,
//! and the raw error body on stdout with --json.

use crate::support::{DemoGateway, run_with_env};

#[tokio::test]
async fn a_wrong_api_key_is_an_api_error_with_a_hint() {
    let gateway = DemoGateway::start().await;
    let outcome = gateway
        .run_with_env(
            &["connections", "list"],
            &[("WABAGATE_URL", &gateway.base_url), ("WABAGATE_API_KEY", "wbg_not_a_real_key")],
        )
        .await;
    let stderr = outcome.failed_with(1);
    assert!(stderr.starts_with("error: the gateway refused the request: Invalid API key"), "{stderr}");
    assert!(stderr.contains("hint: Set WABAGATE_API_KEY"), "{stderr}");
    assert!(!stderr.contains("wbg_not_a_real_key"), "the key is never echoed");
}

#[tokio::test]
async fn maton_api_key_is_the_fallback_and_no_key_is_bad_usage() {
    let gateway = DemoGateway::start().await;
    let outcome = gateway
        .run_with_env(
            &["connections", "list"],
            &[("WABAGATE_URL", &gateway.base_url), ("MATON_API_KEY", &gateway.api_key)],
        )
        .await;
    assert!(outcome.ok().contains(&gateway.connection_id));
    let outcome = gateway.run_with_env(&["connections", "list"], &[("WABAGATE_URL", &gateway.base_url)]).await;
    assert!(outcome.failed_with(2).contains("No API key"), "{}", outcome.stderr);
    let outcome = gateway
        .run_with_env(&["connections", "list", "--api-key", &gateway.api_key, "--url", &gateway.base_url], &[])
        .await;
    assert!(outcome.ok().contains(&gateway.connection_id), "flags work without any environment");
}

#[tokio::test]
async fn graph_errors_show_code_details_and_a_hint_and_json_prints_the_body() {
    let gateway = DemoGateway::start().await;
    let args = ["send", "template", "--to", "1234567890", "--name", "hello_world", "--body-text", "extra"];
    let outcome = gateway.run(&args).await;
    let stderr = outcome.failed_with(1);
    assert!(stderr.starts_with("error: WhatsApp refused the request: (#132000)"), "{stderr}");
    assert!(stderr.contains("code 132000") && stderr.contains("fbtrace_id"), "{stderr}");
    assert!(stderr.contains("hint: The number of template parameters does not match"), "{stderr}");

    let mut with_json = args.to_vec();
    with_json.push("--json");
    let outcome = gateway.run(&with_json).await;
    assert_eq!(outcome.code, 1);
    let body: serde_json::Value = serde_json::from_str(&outcome.stdout).unwrap();
    assert_eq!(body["error"]["code"], 132000);
}

#[tokio::test]
async fn an_unreachable_gateway_is_exit_1_and_bad_flags_exit_2() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let outcome = run_with_env(
        &["send", "text", "--to", "1234567890", "--body", "hi", "--phone-number-id", "1"],
        &[("WABAGATE_URL", &closed), ("WABAGATE_API_KEY", "k")],
    )
    .await;
    assert!(outcome.failed_with(1).contains("could not talk to the gateway"), "{}", outcome.stderr);
    let outcome = run_with_env(&["send", "text", "--to", "1234567890"], &[]).await;
    outcome.failed_with(2);
    let outcome =
        run_with_env(&["send", "image", "--to", "1234567890", "--link", "https://x.example/a.jpg", "--id", "1"], &[])
            .await;
    outcome.failed_with(2);
}
