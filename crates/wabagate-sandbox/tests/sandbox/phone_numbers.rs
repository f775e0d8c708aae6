//! `GET /{phone_number_id}` and `GET /{waba_id}/phone_numbers`.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Sandbox, assert_error, oauth};

#[tokio::test]
async fn a_phone_number_has_metas_default_fields() {
    let sandbox = Sandbox::start().await;
    let answer = sandbox.get(&format!("/v23.0/{}", sandbox.phone)).await;
    assert_eq!(
        answer,
        (
            StatusCode::OK,
            json!({"verified_name": "Wabagate Demo Shop", "code_verification_status": "VERIFIED",
                   "display_phone_number": "+1 555-010-0001", "quality_rating": "GREEN", "id": sandbox.phone})
        )
    );
}

#[tokio::test]
async fn fields_selects_what_is_returned() {
    let sandbox = Sandbox::start().await;
    let answer = sandbox.get(&format!("/v23.0/{}?fields=throughput,status,platform_type", sandbox.phone)).await;
    assert_eq!(
        answer.1,
        json!({"throughput": {"level": "STANDARD"}, "status": "CONNECTED", "platform_type": "CLOUD_API"})
    );
}

#[tokio::test]
async fn an_unknown_field_is_error_100() {
    let sandbox = Sandbox::start().await;
    let answer = sandbox.get(&format!("/v23.0/{}?fields=id,shoe_size", sandbox.phone)).await;
    assert_error(
        &answer,
        oauth(
            400,
            100,
            "(#100) Tried accessing nonexisting field (shoe_size) on node type (WhatsAppBusinessPhoneNumber)",
        ),
    );
}

#[tokio::test]
async fn a_waba_lists_its_two_numbers() {
    let sandbox = Sandbox::start().await;
    let (status, body) = sandbox.get(&format!("/v23.0/{}/phone_numbers", sandbox.waba)).await;
    assert_eq!(status, StatusCode::OK);
    let data = body["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    assert_eq!(
        data[0],
        json!({"verified_name": "Wabagate Demo Shop", "display_phone_number": "+1 555-010-0001",
                               "id": "1000000000001000", "quality_rating": "GREEN"})
    );
    assert_eq!(data[1]["id"], json!("1000000000001001"));
    assert!(body["paging"]["cursors"]["before"].is_string() && body["paging"]["cursors"]["after"].is_string());
}

#[tokio::test]
async fn a_waba_answers_its_own_fields() {
    let sandbox = Sandbox::start().await;
    let (status, body) = sandbox.get(&format!("/v23.0/{}?fields=id,name", sandbox.waba)).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"id": sandbox.waba, "name": "Wabagate Demo Business"})));
}
