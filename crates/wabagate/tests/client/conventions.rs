//! The conventions people expect of a command line: `-` for stdin and stdout, no file
//! replaced without `--force`, errors in the terms of the flags typed, quiet exit on a
//! closed pipe, completion of enum values.

use std::path::Path;

use crate::support::DemoGateway;

fn example_file(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name)
}

#[tokio::test]
async fn a_dash_reads_stdin_and_writes_stdout() {
    let gateway = DemoGateway::start().await;
    let sent =
        gateway.run_with_stdin(&["send", "text", "--to", "1234567890", "--body", "-"], b"Hello from a pipe\n").await;
    sent.ok();
    assert_eq!(gateway.last_message().await["text"]["body"], "Hello from a pipe", "one final newline is dropped");

    let photo = std::fs::read(example_file("photo.jpg")).unwrap();
    let uploaded = gateway.run_with_stdin(&["media", "upload", "--file", "-", "--json"], &photo).await.json();
    let media_id = uploaded["id"].as_str().unwrap().to_owned();
    let downloaded = crate::process::wabagate()
        .args(["media", "download", &media_id, "-o", "-"])
        .env("WABAGATE_URL", &gateway.base_url)
        .env("WABAGATE_API_KEY", &gateway.api_key)
        .output()
        .await
        .unwrap();
    assert!(downloaded.status.success(), "{}", String::from_utf8_lossy(&downloaded.stderr));
    assert_eq!(downloaded.stdout, photo, "the content, and only it, is on stdout");
    assert!(!Path::new("-").exists(), "no file named -");

    let definition = std::fs::read(example_file("order_receipt.json")).unwrap();
    let created = gateway.run_with_stdin(&["templates", "create", "--file", "-"], &definition).await;
    assert!(created.ok().starts_with("Created template order_receipt"), "{}", created.stdout);

    let image = gateway.run_with_stdin(&["send", "image", "--to", "1234567890", "--file", "-"], &photo).await;
    image.ok();
    assert_eq!(gateway.last_message().await["type"], "image");
}

#[tokio::test]
async fn media_download_replaces_a_file_only_with_force() {
    let gateway = DemoGateway::start().await;
    let photo = example_file("photo.jpg");
    let uploaded = gateway.run(&["media", "upload", "--file", photo.to_str().unwrap(), "--json"]).await.json();
    let media_id = uploaded["id"].as_str().unwrap();
    let target = gateway.path("mine.jpg");
    std::fs::write(&target, b"precious").unwrap();
    let refused = gateway.run(&["media", "download", media_id, "-o", target.to_str().unwrap()]).await;
    assert!(refused.failed_with(2).contains("exists: pass --force to replace it"), "{}", refused.stderr);
    assert_eq!(std::fs::read(&target).unwrap(), b"precious");
    gateway.run(&["media", "download", media_id, "-o", target.to_str().unwrap(), "--force"]).await.ok();
    assert_eq!(std::fs::read(&target).unwrap(), std::fs::read(&photo).unwrap());
}

#[tokio::test]
async fn local_errors_name_the_flags_and_the_right_command() {
    let gateway = DemoGateway::start().await;
    let examples = gateway
        .run(&[
            "templates",
            "create",
            "--name",
            "two_vars",
            "--category",
            "UTILITY",
            "--body",
            "Hi {{1}}, order {{2}} ok",
            "--example",
            "Ann",
        ])
        .await;
    assert_eq!(
        examples.failed_with(2),
        "error: invalid request, nothing was sent: --example given once; the body has 2 variables: give one --example per variable, in order\n"
    );
    let title = gateway
        .run(&["send", "buttons", "--to", "1234567890", "--body", "Go?", "--button", "y=a title that is far too long"])
        .await;
    assert!(
        title.failed_with(2).contains("--button (title) must be at most 20 characters (it has 28)"),
        "{}",
        title.stderr
    );

    let pdf = example_file("report.pdf");
    let wrong_kind = gateway.run(&["send", "image", "--to", "1234567890", "--file", pdf.to_str().unwrap()]).await;
    assert!(
        wrong_kind
            .failed_with(2)
            .contains("is a document (application/pdf), not an image: use `wabagate send document`"),
        "{}",
        wrong_kind.stderr
    );

    let big = gateway.path("big.jpg");
    crate::support::write_file(&big, b"\xff\xd8\xff\xe0", 6 * 1024 * 1024);
    let too_big = gateway.run(&["media", "upload", "--file", big.to_str().unwrap()]).await;
    assert!(
        too_big.failed_with(2).contains("--file (an image): 6.0 MiB is more than the 5.0 MiB allowed"),
        "{}",
        too_big.stderr
    );
    assert!(gateway.sandbox_requests().await.iter().all(|request| request["path"] != "/v21.0/1000000000001000/media"));
}

#[tokio::test]
async fn api_errors_carry_the_request_id_and_hints_say_what_to_type() {
    let gateway = DemoGateway::start().await;
    let missing = gateway.run(&["phone-numbers", "get", "1000000000009999"]).await;
    let stderr = missing.failed_with(1);
    let request_id = stderr.lines().find_map(|line| line.strip_prefix("request id: ")).expect("a request id line");
    assert_eq!(request_id.len(), 36, "{stderr}");

    let pending = gateway.run(&["connections", "create", "--json"]).await.json();
    let pending_id = pending["connection"]["connection_id"].as_str().unwrap();
    let not_active = gateway.run(&["phone-numbers", "get", "1000000000001000", "--connection", pending_id]).await;
    assert!(
        not_active.failed_with(1).contains(&format!("hint: the connection's access token is invalid or expired: run `wabagate connections reconnect {pending_id} --open`")),
        "{}",
        not_active.stderr
    );

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let refused =
        gateway.run_with_env(&["connections", "list"], &[("WABAGATE_URL", &closed), ("WABAGATE_API_KEY", "k")]).await;
    assert!(
        refused.failed_with(1).contains(&format!("hint: is `wabagate serve` running at {closed}?")),
        "{}",
        refused.stderr
    );
}

#[tokio::test]
async fn a_connection_with_several_numbers_lists_them_and_a_failed_one_says_why() {
    let gateway = DemoGateway::start().await;
    let imported = crate::support::run_with_input(
        &[
            "admin",
            "connections",
            "import",
            "--account",
            "demo",
            "--token",
            "-",
            "--waba-id",
            &gateway.waba_id,
            "--json",
        ],
        &[("WABAGATE_DATA_DIR", gateway.dir.path().to_str().unwrap()), ("WABAGATE_UPSTREAM", &gateway.sandbox_url)],
        Some(b"EAAGsandboxDemoSystemUserToken0000000000000000000000000000000000\n"),
    )
    .await;
    let both = imported.json()["connection"]["connection_id"].as_str().unwrap().to_owned();
    let ambiguous = gateway.run(&["send", "text", "--to", "1234567890", "--body", "hi", "--connection", &both]).await;
    assert!(
        ambiguous
            .failed_with(2)
            .contains("has 2 phone numbers (1000000000001000 (+1 555-010-0001), 1000000000001001 (+1 555-010-0002))"),
        "{}",
        ambiguous.stderr
    );

    let pending = gateway.run(&["connections", "create", "--json"]).await.json();
    let id = pending["connection"]["connection_id"].as_str().unwrap();
    cancel_at_the_dialog(pending["connection"]["url"].as_str().unwrap()).await;
    let shown = gateway.run(&["connections", "get", id]).await;
    let reason = shown.ok().lines().find(|line| line.starts_with("error:")).unwrap_or_default();
    assert!(reason.ends_with("access_denied: Permissions error"), "{}", shown.stdout);
}

/// Opens the connect link and presses Cancel in the sandbox's OAuth dialog, as a business would.
async fn cancel_at_the_dialog(connect_url: &str) {
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    // The connect page's Connect button posts the link's token; the answer sends the browser to Meta.
    let link = url::Url::parse(connect_url).unwrap();
    let token = link.query_pairs().find(|(name, _)| name == "session_token").map(|(_, value)| value.into_owned());
    let pressed =
        browser.post(link.join("connect").unwrap()).form(&[("session_token", token.unwrap())]).send().await.unwrap();
    let dialog_url = pressed.headers()["location"].to_str().unwrap().to_owned();
    let dialog = browser.get(&dialog_url).send().await.unwrap().text().await.unwrap();
    let action = attribute_after(&dialog, r#"<form method="post" action=""#).replace("&amp;", "&");
    let mut fields: Vec<(String, String)> = dialog
        .split(r#"<input type="hidden" name=""#)
        .skip(1)
        .map(|input| {
            let name = input.split('"').next().unwrap().to_owned();
            let value = attribute_after(input, r#"value=""#).replace("&amp;", "&");
            (name, value)
        })
        .collect();
    fields.push(("decision".into(), "cancel".into()));
    let action = url::Url::parse(&dialog_url).unwrap().join(&action).unwrap();
    let answer = browser.post(action).form(&fields).send().await.unwrap();
    let callback = answer.headers()["location"].to_str().unwrap().to_owned();
    browser.get(callback).send().await.unwrap();
}

fn attribute_after(html: &str, marker: &str) -> String {
    let start = html.find(marker).unwrap_or_else(|| panic!("{marker} not in {html}")) + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn no_command_panics_or_complains_when_its_reader_goes_away() {
    let gateway = DemoGateway::start().await;
    // A send and a customer's answer, so the ledger's listings print more than a line.
    gateway.run(&["send", "text", "--to", "1234567890", "--body", "hi"]).await.ok();
    let connection = gateway.connection_id.as_str();
    let commands: [&[&str]; 17] = [
        &["completions", "zsh"],
        &["completions", "bash"],
        &["--help"],
        &["send", "text", "--help"],
        &["templates", "list"],
        &["templates", "list", "--json"],
        &["phone-numbers", "list"],
        &["phone-numbers", "get"],
        &["connections", "list"],
        &["connections", "get", connection],
        &["profile", "get"],
        &["whoami"],
        &["messages", "list"],
        &["messages", "list", "--json"],
        &["conversations", "list"],
        &["conversations", "show", "1234567890"],
        &["api", "GET", "1000000000000100/message_templates"],
    ];
    for args in commands {
        let (code, stderr) = gateway.run_into_closed_pipe(args).await;
        assert_eq!((code, stderr.as_str()), (0, ""), "wabagate {}", args.join(" "));
    }
}

#[tokio::test]
async fn closed_sets_of_values_complete_to_their_values() {
    let gateway = DemoGateway::start().await;
    let fish = gateway.run(&["completions", "fish"]).await;
    let script = fish.ok();
    for value in ["PENDING_DELETION", "AUTHENTICATION", "EXPIRED", "RETAIL"] {
        assert!(script.contains(value), "{value} is offered");
    }
    let lowercase = gateway.run(&["connections", "list", "--status", "active"]).await;
    assert!(lowercase.ok().contains(&gateway.connection_id), "values match whatever their case");
}

#[tokio::test]
async fn a_refused_send_over_the_rate_limit_points_to_retry() {
    let dir = tempfile::tempdir().unwrap();
    let gateway = crate::process::Process::serve(dir.path(), &["--demo", "--rate-limit", "1"]).await;
    let demo = crate::process::Demo::read(dir.path());
    // Three sends at once, at most one of which fits in the second; sends are not retried.
    let env = [("WABAGATE_URL", gateway.base_url.as_str()), ("WABAGATE_API_KEY", demo.api_key.as_str())];
    let send = ["send", "text", "--to", "1234567890", "--body", "hi", "--phone-number-id", &demo.phone_number_id];
    let run = || crate::support::run_with_env(&send, &env);
    let (first, second, third) = tokio::join!(run(), run(), run());
    let refused = [first, second, third].into_iter().find(|outcome| outcome.code != 0).expect("a send is refused");
    let stderr = refused.failed_with(1);
    assert!(stderr.contains("rate_limited") && stderr.contains("pass --retry to `wabagate send`"), "{stderr}");
}
