//! `wabagate templates list|create|delete` against the sandbox's demo templates.

use crate::support::DemoGateway;

#[tokio::test]
async fn list_shows_a_table_filtered_by_status() {
    let gateway = DemoGateway::start().await;
    let listed = gateway.run(&["templates", "list"]).await;
    let stdout = listed.ok();
    let header = stdout.lines().next().unwrap();
    assert!(header.starts_with("NAME") && header.contains("STATUS"), "{stdout}");
    assert!(stdout.lines().any(|line| line.starts_with("hello_world ") && line.contains("APPROVED")), "{stdout}");

    let approved = gateway.run(&["templates", "list", "--status", "approved"]).await;
    assert!(!approved.ok().contains("REJECTED"), "{}", approved.stdout);
    let requests = gateway.sandbox_requests().await;
    let last = requests.last().unwrap();
    assert_eq!(last["query"], "status=APPROVED", "{last}");
    assert!(last["path"].as_str().unwrap().ends_with(&format!("/{}/message_templates", gateway.waba_id)));

    let page = gateway.run(&["templates", "list", "--json"]).await.json();
    assert!(page["data"].as_array().is_some_and(|data| !data.is_empty()), "{page}");
}

#[tokio::test]
async fn create_then_delete_a_template() {
    let gateway = DemoGateway::start().await;
    let created = gateway
        .run(&[
            "templates",
            "create",
            "--name",
            "order_confirmation",
            "--category",
            "UTILITY",
            "--language",
            "en_US",
            "--header",
            "Order confirmed",
            "--body",
            "Hello {{1}}, your order #{{2}} is confirmed!",
            "--example",
            "John",
            "--example",
            "A-1042",
            "--footer",
            "Thanks for your purchase",
        ])
        .await;
    let stdout = created.ok();
    assert!(stdout.starts_with("Created template order_confirmation (id "), "{stdout}");
    assert!(stdout.trim_end().ends_with("PENDING, UTILITY"), "{stdout}");
    let submitted = gateway.sandbox_requests().await.into_iter().rev().find(|r| r["method"] == "POST").unwrap();
    let body: serde_json::Value = serde_json::from_str(submitted["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["components"][1]["example"], serde_json::json!({"body_text": [["John", "A-1042"]]}));

    let listed = gateway.run(&["templates", "list", "--name", "order_confirmation"]).await;
    assert!(listed.ok().contains("order_confirmation"), "{}", listed.stdout);
    let deleted = gateway.run(&["templates", "delete", "--name", "order_confirmation"]).await;
    assert_eq!(deleted.ok(), "Deleted template order_confirmation.\n");
}

#[tokio::test]
async fn create_refuses_missing_examples_and_bad_names_locally() {
    let gateway = DemoGateway::start().await;
    let missing = gateway
        .run(&["templates", "create", "--name", "greeting", "--category", "MARKETING", "--body", "Hi {{1}}, welcome!"])
        .await;
    assert!(
        missing.failed_with(2).contains("--example is required: give one --example per variable of the body"),
        "{}",
        missing.stderr
    );
    let too_few = gateway
        .run(&[
            "templates",
            "create",
            "--name",
            "greeting",
            "--category",
            "MARKETING",
            "--body",
            "Hi {{1}} and {{2}}!",
            "--example",
            "Ana",
        ])
        .await;
    assert!(too_few.failed_with(2).contains("--example given once; the body has 2 variables"), "{}", too_few.stderr);
    let bad_name =
        gateway.run(&["templates", "create", "--name", "Greeting", "--category", "MARKETING", "--body", "Hi!"]).await;
    assert!(bad_name.failed_with(2).contains("--name must be lowercase"), "{}", bad_name.stderr);
    let bad_category =
        gateway.run(&["templates", "create", "--name", "g", "--category", "PROMO", "--body", "Hi!"]).await;
    assert!(bad_category.failed_with(2).contains("invalid value 'PROMO' for '--category"), "{}", bad_category.stderr);
}

#[tokio::test]
async fn create_reads_a_json_definition() {
    let gateway = DemoGateway::start().await;
    let file = gateway.path("template.json");
    std::fs::write(
        &file,
        r#"{"name": "shipping_notice", "language": "en_US", "category": "UTILITY",
            "components": [{"type": "BODY", "text": "Your parcel {{1}} ships today.", "example": {"body_text": [["A-1"]]}}]}"#,
    )
    .unwrap();
    let created = gateway.run(&["templates", "create", "--file", file.to_str().unwrap(), "--json"]).await.json();
    assert_eq!(created["status"], "PENDING");
    assert_eq!(created["category"], "UTILITY");
}
