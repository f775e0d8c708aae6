//! Reactions as Meta treats them: accepted at once, and failed later with 131009 when the
//! message reacted to is not one the business number sent or received.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::Sandbox;

fn reaction_to(message_id: &str) -> Value {
    json!({"messaging_product": "whatsapp", "to": "1234567890", "type": "reaction",
           "reaction": {"message_id": message_id, "emoji": "👍"}})
}

#[tokio::test]
async fn a_reaction_to_an_unknown_message_is_accepted_then_fails_with_131009() {
    let sandbox = Sandbox::start().await;
    let (status, body) = sandbox.send(reaction_to("wamid.NOBODY_SENT_THIS")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let failure = &sandbox.accepted().await[0]["failure"];
    assert_eq!(failure["code"], 131009);
    assert_eq!(failure["title"], "Parameter value is not valid");
}

#[tokio::test]
async fn a_reaction_to_a_sent_or_received_message_is_delivered() {
    let sandbox = Sandbox::start().await;
    let text = json!({"messaging_product": "whatsapp", "to": "1234567890", "type": "text", "text": {"body": "Hi"}});
    let (_, sent) = sandbox.send(text).await;
    let sent_wamid = sent["messages"][0]["id"].as_str().unwrap().to_owned();
    let inbound: Value = sandbox
        .client
        .post(format!("{}/__sandbox/inbound", sandbox.base))
        .json(&json!({"from": "1234567890", "message": {"type": "text", "text": {"body": "hello"}}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    for wamid in [sent_wamid.as_str(), inbound["id"].as_str().unwrap()] {
        let (status, _) = sandbox.send(reaction_to(wamid)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(sandbox.accepted().await.last().unwrap()["failure"], Value::Null, "{wamid}");
    }
}
