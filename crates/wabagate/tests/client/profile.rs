//! `wabagate profile get|update`.

use crate::support::DemoGateway;

#[tokio::test]
async fn get_shows_fields_and_update_sends_only_what_changed() {
    let gateway = DemoGateway::start().await;
    let shown = gateway.run(&["profile", "get"]).await;
    assert!(shown.ok().contains("vertical:"), "{}", shown.stdout);

    let updated = gateway
        .run(&[
            "profile",
            "update",
            "--about",
            "Your trusted partner",
            "--website",
            "https://example.com",
            "--vertical",
            "restaurant",
        ])
        .await;
    assert_eq!(updated.ok(), format!("Updated the business profile of {}.\n", gateway.phone_number_id));
    let request = gateway.sandbox_requests().await.into_iter().rev().find(|r| r["method"] == "POST").unwrap();
    let body: serde_json::Value = serde_json::from_str(request["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"messaging_product": "whatsapp", "about": "Your trusted partner",
            "websites": ["https://example.com"], "vertical": "RESTAURANT"})
    );
    let raw = gateway.run(&["profile", "get", "--json"]).await.json();
    assert_eq!(raw["data"][0]["about"], "Your trusted partner");
}

#[tokio::test]
async fn update_checks_limits_and_verticals_locally() {
    let gateway = DemoGateway::start().await;
    let long = "a".repeat(140);
    let outcome = gateway.run(&["profile", "update", "--about", &long]).await;
    assert!(
        outcome.failed_with(2).contains("--about must be at most 139 characters (it has 140)"),
        "{}",
        outcome.stderr
    );
    let outcome = gateway.run(&["profile", "update", "--vertical", "SPACESHIPS"]).await;
    assert!(outcome.failed_with(2).contains("invalid value 'SPACESHIPS' for '--vertical"), "{}", outcome.stderr);
    let outcome = gateway.run(&["profile", "update", "--website", "a.example", "--website", "b.example"]).await;
    assert!(outcome.failed_with(2).contains("--website must be a URL"), "{}", outcome.stderr);
    let outcome = gateway.run(&["profile", "update"]).await;
    assert!(outcome.failed_with(2).contains("nothing to update"), "{}", outcome.stderr);
}
