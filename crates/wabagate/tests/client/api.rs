//! `wabagate api`: any Graph path through the gateway, fields as query or JSON body, a raw
//! body from stdin, paging followed, and an HTTP error printed with exit 1.

use crate::support::DemoGateway;

#[tokio::test]
async fn fields_go_to_the_query_of_a_get_and_the_answer_is_printed_as_it_came() {
    let gateway = DemoGateway::start().await;
    let path = gateway.phone_number_id.clone();
    let shown = gateway.run(&["api", "GET", &path, "-f", "fields=display_phone_number"]).await.json();
    assert_eq!(shown, serde_json::json!({"display_phone_number": "+1 555-010-0001"}));
    let asked = gateway.sandbox_requests().await.pop().unwrap();
    assert_eq!(asked["query"], "fields=display_phone_number", "{asked}");
}

#[tokio::test]
async fn typed_fields_make_a_json_body_and_input_sends_stdin_as_it_is() {
    let gateway = DemoGateway::start().await;
    let messages = format!("{}/messages", gateway.phone_number_id);
    let args = ["api", "POST", &messages, "-f", "messaging_product=whatsapp", "-f", "to=1234567890", "-f", "type=text"];
    let mut typed = args.to_vec();
    typed.extend(["-F", r#"text={"body":"typed","preview_url":false}"#]);
    let sent = gateway.run(&typed).await.json();
    assert!(sent["messages"][0]["id"].as_str().unwrap().starts_with("wamid."));
    assert_eq!(gateway.last_message().await["text"], serde_json::json!({"body": "typed", "preview_url": false}));

    let body = br#"{"messaging_product":"whatsapp","to":"1234567890","type":"text","text":{"body":"raw"}}"#;
    gateway.run_with_stdin(&["api", "POST", &messages, "--input", "-"], body).await.ok();
    assert_eq!(gateway.last_message().await["text"]["body"], "raw");
}

#[tokio::test]
async fn paginate_prints_every_page_and_an_http_error_exits_1_with_its_body() {
    let gateway = DemoGateway::start().await;
    let templates = format!("{}/message_templates", gateway.waba_id);
    let paged = gateway.run(&["api", "GET", &templates, "-F", "limit=2", "--paginate"]).await;
    let pages: Vec<serde_json::Value> = paged.ok().lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(pages.len(), 3, "5 templates in pages of 2");
    assert_eq!(pages.iter().map(|page| page["data"].as_array().unwrap().len()).sum::<usize>(), 5);

    let missing = gateway.run(&["api", "GET", "1000000000009999"]).await;
    let stderr = missing.failed_with(1);
    assert!(stderr.starts_with("error: HTTP 400 (request id "), "{stderr}");
    let body: serde_json::Value = serde_json::from_str(&missing.stdout).unwrap();
    assert_eq!(body["error"]["code"], 100);

    let header = gateway.run(&["api", "GET", "me", "-H", "Authorization: Bearer x"]).await;
    assert!(header.failed_with(2).contains("the API key is sent for you"), "{}", header.stderr);
}
