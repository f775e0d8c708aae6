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
        json!({"verified_name": "Wabagate Demo Shop", "code_verification_status": "VERIFIED",
               "display_phone_number": "+1 555-010-0001", "quality_rating": "GREEN", "platform_type": "CLOUD_API",
               "throughput": {"level": "STANDARD"}, "id": "1000000000001000", "status": "CONNECTED"})
    );
    assert_eq!(data[1]["id"], json!("1000000000001001"));
    assert!(body["paging"]["cursors"]["before"].is_string() && body["paging"]["cursors"]["after"].is_string());
    assert!(body["paging"].get("next").is_none(), "one page holds both: {body}");
}

#[tokio::test]
async fn phone_numbers_page_with_graph_cursors() {
    let sandbox = Sandbox::start().await;
    let (_, first) = sandbox.get(&format!("/v23.0/{}/phone_numbers?limit=1&fields=id", sandbox.waba)).await;
    assert_eq!(first["data"], json!([{"id": "1000000000001000"}]));
    let next = first["paging"]["next"].as_str().expect("a next link");
    assert!(next.contains("limit=1") && next.contains("fields=id") && !next.contains("access_token"), "{next}");
    let after = first["paging"]["cursors"]["after"].as_str().unwrap();
    let (_, second) =
        sandbox.get(&format!("/v23.0/{}/phone_numbers?limit=1&fields=id&after={after}", sandbox.waba)).await;
    assert_eq!(second["data"], json!([{"id": "1000000000001001"}]));
    assert!(second["paging"].get("next").is_none() && second["paging"]["previous"].is_string(), "{second}");
}

#[tokio::test]
async fn nested_fields_expand_edges_and_objects() {
    let sandbox = Sandbox::start().await;
    let path = format!(
        "/v23.0/{}?fields=id,phone_numbers.limit(1){{id,status,throughput{{level}}}},owner_business_info{{id}}",
        sandbox.waba
    );
    let (status, body) = sandbox.get(&path).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({"id": sandbox.waba,
               "phone_numbers": {"data": [{"id": "1000000000001000", "status": "CONNECTED", "throughput": {"level": "STANDARD"}}]},
               "owner_business_info": {"id": "1000000000000010"}})
    );
    let unknown = sandbox.get(&format!("/v23.0/{}?fields=phone_numbers{{id,shoe_size}}", sandbox.waba)).await;
    assert_error(
        &unknown,
        oauth(
            400,
            100,
            "(#100) Tried accessing nonexisting field (shoe_size) on node type (WhatsAppBusinessPhoneNumber)",
        ),
    );
    let broken = sandbox.get(&format!("/v23.0/{}?fields=id,throughput{{level", sandbox.phone)).await;
    assert_eq!(broken.1["error"]["code"], 2500, "{}", broken.1);
}

#[tokio::test]
async fn every_documented_field_of_the_three_nodes_has_a_value() {
    let sandbox = Sandbox::start().await;
    let number_fields = "id,display_phone_number,verified_name,quality_rating,code_verification_status,name_status,\
        status,country_code,country_dial_code,unified_cert_status,account_mode,host_platform,messaging_limit_tier,\
        is_official_business_account,certificate,new_name_status,platform_type,throughput,\
        whatsapp_business_manager_messaging_limit,is_pin_enabled,is_preverified_number,is_on_biz_app,\
        last_onboarded_time,search_visibility,eligibility_for_api_business_global_search,health_status,\
        quality_score,conversational_automation";
    let (status, number) = sandbox.get(&format!("/v23.0/{}?fields={number_fields}", sandbox.phone)).await;
    assert_eq!(status, StatusCode::OK, "{number}");
    for field in number_fields.split(',') {
        assert!(!number[field].is_null(), "{field} in {number}");
    }
    let waba_fields = "id,name,currency,timezone_id,message_template_namespace,account_review_status,\
        business_verification_status,country,primary_business_location,ownership_type,status,is_enabled_for_insights,\
        on_behalf_of_business_info,owner_business_info,health_status,subscribed_apps,phone_numbers,message_templates,\
        marketing_messages_onboarding_status";
    let (status, waba) = sandbox.get(&format!("/v23.0/{}?fields={waba_fields}", sandbox.waba)).await;
    assert_eq!(status, StatusCode::OK, "{waba}");
    for field in waba_fields.split(',') {
        assert!(!waba[field].is_null(), "{field} in {waba}");
    }
    assert_eq!(
        sandbox.get(&format!("/v23.0/{}", sandbox.waba)).await.1,
        json!({"id": sandbox.waba, "name": "Wabagate Demo Business"})
    );
    let template_id = waba["message_templates"]["data"][0]["id"].as_str().unwrap().to_owned();
    let template_fields = "id,name,language,status,category,components,parameter_format,rejected_reason,quality_score,\
        message_send_ttl_seconds,last_updated_time,cta_url_link_tracking_opted_out";
    let (status, template) = sandbox
        .get(&format!(
            "/v23.0/{template_id}?fields={template_fields},correct_category,sub_category,library_template_name"
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{template}");
    for field in template_fields.split(',') {
        assert!(!template[field].is_null(), "{field} in {template}");
    }
}

#[tokio::test]
async fn a_waba_answers_its_own_fields() {
    let sandbox = Sandbox::start().await;
    let (status, body) = sandbox.get(&format!("/v23.0/{}?fields=id,name", sandbox.waba)).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"id": sandbox.waba, "name": "Wabagate Demo Business"})));
}
