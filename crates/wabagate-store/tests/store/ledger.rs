//! The ledger's batch write: what the gateway's ledger writer hands the store at once.

use serde_json::json;
use uuid::Uuid;
use wabagate_store::{AccessToken, SendRecord, Timestamp};

use crate::TestStore;

fn send(account_id: Uuid, connection_id: Uuid, wamid: &str, body: &str) -> SendRecord {
    SendRecord {
        wamid: wamid.to_owned(),
        account_id,
        connection_id,
        phone_number_id: "1000".to_owned(),
        recipient: "15550100".to_owned(),
        message_type: Some("text".to_owned()),
        template_name: None,
        biz_opaque_callback_data: None,
        request_id: None,
        sent_at: Timestamp::now(),
        content: Some(json!({"type": "text", "text": {"body": body}}).to_string()),
    }
}

#[tokio::test]
async fn a_batch_of_sends_lands_as_if_recorded_one_by_one() {
    let test = TestStore::open().await;
    let token = AccessToken::new("EAAGsecret");
    let mut accounts = Vec::new();
    for name in ["acme", "other"] {
        let account = test.store.create_account(name).await.unwrap();
        let connection = test
            .store
            .create_active_connection(account.account_id, "whatsapp-business", &token, json!({}))
            .await
            .unwrap();
        accounts.push((account.account_id, connection.connection_id));
    }
    let [(acme, acme_connection), (other, other_connection)] = accounts[..] else { unreachable!() };

    // More sends than one statement takes; one wamid sent twice (its second send wins), and
    // one another account already holds (left alone, as a single send would leave it).
    test.store.record_send(&send(other, other_connection, "wamid.TAKEN", "other's")).await.unwrap();
    let mut batch: Vec<SendRecord> =
        (0..150).map(|n| send(acme, acme_connection, &format!("wamid.{n}"), &format!("send {n}"))).collect();
    batch.insert(70, send(acme, acme_connection, "wamid.TAKEN", "not acme's"));
    batch.push(send(acme, acme_connection, "wamid.3", "send 3 again"));
    test.store.record_sends(&batch).await.unwrap();

    let body = |message: Option<wabagate_store::LedgerMessage>| {
        message.and_then(|message| message.content).map(|content| content["text"]["body"].clone())
    };
    for n in [0, 69, 70, 149] {
        let message = test.store.ledger_message(acme, &format!("wamid.{n}")).await.unwrap();
        assert_eq!(body(message), Some(json!(format!("send {n}"))));
    }
    assert_eq!(body(test.store.ledger_message(acme, "wamid.3").await.unwrap()), Some(json!("send 3 again")));
    assert_eq!(test.store.ledger_message(acme, "wamid.TAKEN").await.unwrap(), None);
    assert_eq!(body(test.store.ledger_message(other, "wamid.TAKEN").await.unwrap()), Some(json!("other's")));
}
