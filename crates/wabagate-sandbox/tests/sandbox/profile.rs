//! `GET` and `POST /{phone_number_id}/whatsapp_business_profile`.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Sandbox, assert_error, oauth};

fn path(sandbox: &Sandbox) -> String {
    format!("/v23.0/{}/whatsapp_business_profile", sandbox.phone)
}

#[tokio::test]
async fn the_profile_is_wrapped_in_data_with_every_field_by_default() {
    let sandbox = Sandbox::start().await;
    let (status, body) = sandbox.get(&path(&sandbox)).await;
    assert_eq!(status, StatusCode::OK);
    let profile = &body["data"][0];
    assert_eq!(profile["vertical"], json!("RETAIL"));
    assert_eq!(profile["messaging_product"], json!("whatsapp"));
    assert_eq!(profile["websites"], json!(["https://www.example.com/"]));
}

#[tokio::test]
async fn fields_selects_profile_fields_and_unknown_ones_fail() {
    let sandbox = Sandbox::start().await;
    let (_, body) = sandbox.get(&format!("{}?fields=about,vertical", path(&sandbox))).await;
    assert_eq!(body, json!({"data": [{"about": "Fresh demo goods, delivered by the sandbox.", "vertical": "RETAIL"}]}));
    let answer = sandbox.get(&format!("{}?fields=about,mood", path(&sandbox))).await;
    assert_error(
        &answer,
        oauth(400, 100, "(#100) Tried accessing nonexisting field (mood) on node type (WhatsAppBusinessProfile)"),
    );
}

#[tokio::test]
async fn the_hosted_products_update_example_succeeds_and_is_read_back() {
    let sandbox = Sandbox::start().await;
    let update = json!({"messaging_product": "whatsapp", "about": "Your trusted partner", "address": "123 Business Street",
                        "description": "We provide quality services", "email": "contact@example.com",
                        "websites": ["https://example.com"], "vertical": "RETAIL"});
    assert_eq!(sandbox.post(&path(&sandbox), update).await, (StatusCode::OK, json!({"success": true})));
    let (_, body) = sandbox.get(&format!("{}?fields=about,email,websites", path(&sandbox))).await;
    assert_eq!(
        body["data"][0],
        json!({"about": "Your trusted partner", "email": "contact@example.com", "websites": ["https://example.com"]})
    );
}

#[tokio::test]
async fn profile_limits_are_enforced_with_error_100() {
    let sandbox = Sandbox::start().await;
    let cases = [
        (
            json!({"websites": ["https://a.example", "https://b.example", "https://c.example"]}),
            "Param websites must have at most 2 items, but has 3.",
        ),
        (json!({"vertical": "SPACESHIPS"}), "Param vertical has an invalid value 'SPACESHIPS'."),
        (json!({"about": "a".repeat(140)}), "Param about must be at most 139 characters long."),
        (json!({"description": "d".repeat(513)}), "Param description must be at most 512 characters long."),
        (json!({"email": "not-an-email"}), "Param email must be a valid email address."),
    ];
    for (mut update, expected) in cases {
        update["messaging_product"] = json!("whatsapp");
        let details =
            assert_error(&sandbox.post(&path(&sandbox), update).await, oauth(400, 100, "(#100) Invalid parameter"));
        assert_eq!(details.as_deref(), Some(expected));
    }
    let answer = sandbox.post(&path(&sandbox), json!({"about": "x"})).await;
    assert_error(&answer, oauth(400, 100, "(#100) The parameter messaging_product is required."));
}
