//! Sends to a group and pins, as Meta's groups messaging guide has them: text, media and
//! templates go to a group the number made, other types are refused with 131051, a pin only
//! goes to a group and lasts 1 to 30 days, and a pin of a message the group never got fails
//! later with 131009.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Sandbox, assert_error, oauth};

const UNSUPPORTED: &str = "(#131051) Unsupported message type";
const INVALID: &str = "(#131009) Parameter value is not valid";

async fn new_group(sandbox: &Sandbox) -> String {
    let groups = format!("/v23.0/{}/groups", sandbox.phone);
    let (status, _) = sandbox.post(&groups, json!({"messaging_product": "whatsapp", "subject": "Launch team"})).await;
    assert_eq!(status, StatusCode::OK);
    sandbox.get(&groups).await.1["data"]["groups"][0]["id"].as_str().unwrap().to_owned()
}

fn to_group(group_id: &str, kind: &str, content: Value) -> Value {
    json!({"messaging_product": "whatsapp", "recipient_type": "group", "to": group_id, "type": kind, kind: content})
}

fn pin(group_id: &str, message_id: &str, days: Value) -> Value {
    to_group(group_id, "pin", json!({"type": "pin", "message_id": message_id, "expiration_days": days}))
}

#[tokio::test]
async fn a_text_to_a_group_names_the_group_in_the_answer() {
    let sandbox = Sandbox::start().await;
    let group = new_group(&sandbox).await;
    let (status, body) = sandbox.send(to_group(&group, "text", json!({"body": "Welcome, team!"}))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let wamid = body["messages"][0]["id"].as_str().unwrap();
    assert_eq!(
        body,
        json!({"messaging_product": "whatsapp", "contacts": [{"input": group, "wa_id": group}],
               "messages": [{"id": wamid, "group_id": group}]})
    );
    let accepted = &sandbox.accepted().await[0];
    assert_eq!((&accepted["wa_id"], &accepted["failure"]), (&json!(group), &Value::Null));
}

#[tokio::test]
async fn a_group_refuses_the_types_meta_does_not_deliver_to_groups() {
    let sandbox = Sandbox::start().await;
    let group = new_group(&sandbox).await;
    let reaction = to_group(&group, "reaction", json!({"message_id": "wamid.X", "emoji": "👍"}));
    let answer = sandbox.send(reaction).await;
    let details = assert_error(&answer, oauth(400, 131051, UNSUPPORTED)).unwrap();
    assert_eq!(details, "Messages of type 'reaction' cannot be sent to recipient_type group.");
}

#[tokio::test]
async fn a_send_to_a_group_the_number_did_not_make_is_refused() {
    let sandbox = Sandbox::start().await;
    let answer = sandbox.send(to_group("Y2FwaV9ncm91cDpub25l", "text", json!({"body": "Anyone?"}))).await;
    assert_error(&answer, oauth(400, 131009, INVALID));
}

#[tokio::test]
async fn a_pin_of_a_group_message_is_accepted_and_of_another_fails_later() {
    let sandbox = Sandbox::start().await;
    let group = new_group(&sandbox).await;
    let (_, sent) = sandbox.send(to_group(&group, "text", json!({"body": "Read this first"}))).await;
    let group_message = sent["messages"][0]["id"].as_str().unwrap().to_owned();
    let (_, elsewhere) = sandbox
        .send(json!({"messaging_product": "whatsapp", "to": "1234567890", "type": "text", "text": {"body": "Hi"}}))
        .await;

    let (status, body) = sandbox.send(pin(&group, &group_message, json!(7))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["messages"][0]["group_id"], json!(group));
    let unpin = to_group(&group, "pin", json!({"type": "unpin", "message_id": group_message}));
    assert_eq!(sandbox.send(unpin).await.0, StatusCode::OK);
    assert_eq!(sandbox.send(pin(&group, elsewhere["messages"][0]["id"].as_str().unwrap(), json!(7))).await.0, 200);

    let accepted = sandbox.accepted().await;
    let pins: Vec<&Value> = accepted.iter().filter(|sent| sent["type"] == "pin").collect();
    assert_eq!(pins[0]["message"]["pin"], json!({"type": "pin", "message_id": group_message, "expiration_days": 7}));
    assert_eq!((&pins[0]["failure"], &pins[1]["failure"]), (&Value::Null, &Value::Null));
    assert_eq!(pins[2]["failure"]["code"], 131009);
}

#[tokio::test]
async fn a_pin_is_refused_outside_a_group_and_beyond_thirty_days() {
    let sandbox = Sandbox::start().await;
    let group = new_group(&sandbox).await;
    let to_a_person = json!({"messaging_product": "whatsapp", "to": "1234567890", "type": "pin",
                             "pin": {"type": "pin", "message_id": "wamid.X", "expiration_days": 7}});
    assert_error(&sandbox.send(to_a_person).await, oauth(400, 131051, UNSUPPORTED));
    assert_error(&sandbox.send(pin(&group, "wamid.X", json!(31))).await, oauth(400, 131009, INVALID));
    let without_days = to_group(&group, "pin", json!({"type": "pin", "message_id": "wamid.X"}));
    let missing = "(#100) The parameter pin['expiration_days'] is required.";
    assert_error(&sandbox.send(without_days).await, oauth(400, 100, missing));
}
