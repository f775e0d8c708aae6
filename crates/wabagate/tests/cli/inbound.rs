//! Inbound webhooks end to end through the real binary: a `kill -9` between storing and
//! processing loses and repeats nothing, and the operator's unrouted/reroute commands.

use std::time::Duration;

use serde_json::{Value, json};
use wabagate_sandbox::seed::{DEMO_ACCESS_TOKEN, DEMO_WABA_ID};
use wabagate_store::{Keyring, Store, Timestamp};

use crate::support::{Demo, Process, meta_signature, run};

const OTHER_NUMBER: &str = "1000000000001001";

pub(crate) fn inbound_body(phone_number_id: &str, wamid: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({"object": "whatsapp_business_account", "entry": [{"id": DEMO_WABA_ID, "changes": [{
        "field": "messages", "value": {"messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550100001", "phone_number_id": phone_number_id},
        "contacts": [{"profile": {"name": "Ana"}, "wa_id": "34600111222"}],
        "messages": [{"from": "34600111222", "id": wamid, "timestamp": "1750000000", "type": "text",
            "text": {"body": "Ol\u{e1}"}}]}}]}]}))
    .unwrap()
}

async fn post(client: &reqwest::Client, gateway: &Process, body: Vec<u8>) -> Result<u16, reqwest::Error> {
    let signature = meta_signature(&body);
    let response = client
        .post(gateway.url("/meta/webhooks"))
        .header("x-hub-signature-256", signature)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await?;
    Ok(response.status().as_u16())
}

/// The inbound wamids the demo account sees.
pub(crate) async fn ledger_wamids(client: &reqwest::Client, gateway: &Process, key: &str) -> Vec<String> {
    let mut wamids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = gateway.url("/messages?direction=inbound&limit=100");
        if let Some(cursor) = &cursor {
            url += &format!("&cursor={cursor}");
        }
        let page: Value = client.get(url).bearer_auth(key).send().await.unwrap().json().await.unwrap();
        wamids.extend(page["messages"].as_array().unwrap().iter().map(|m| m["wamid"].as_str().unwrap().to_owned()));
        match page["paging"]["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return wamids,
        }
    }
}

async fn open_store(data_dir: &std::path::Path) -> Store {
    let keyring = Keyring::load_or_create_file(&data_dir.join("secret.key"), &[]).unwrap();
    Store::open(&crate::support::database_url(data_dir).await, keyring).await.unwrap()
}

pub(crate) async fn wait_until_applied(store: &Store) {
    for _ in 0..400 {
        if store.webhook_body_counts().await.unwrap().1 == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("stored webhook bodies were never applied");
}

#[tokio::test]
async fn a_kill_between_storing_and_processing_loses_nothing_and_repeats_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let gateway = Process::serve(dir.path(), &["--demo"]).await;
    let demo = Demo::read(dir.path());
    let client = reqwest::Client::new();

    // Deliveries race the processor; the gateway is killed while they are in flight.
    let mut deliveries = tokio::task::JoinSet::new();
    for index in 0..60 {
        let (client, body, url) =
            (client.clone(), inbound_body(&demo.phone_number_id, &format!("wamid.KILL{index}")), gateway.url(""));
        deliveries.spawn(async move {
            let signature = meta_signature(&body);
            let outcome = client
                .post(format!("{url}/meta/webhooks"))
                .header("x-hub-signature-256", signature)
                .body(body)
                .send()
                .await;
            (index, outcome.map(|response| response.status().as_u16()).unwrap_or(0))
        });
        if index == 30 {
            let killed =
                std::process::Command::new("kill").args(["-KILL", &gateway.pid().to_string()]).status().unwrap();
            assert!(killed.success());
        }
    }
    let mut acknowledged = Vec::new();
    while let Some(outcome) = deliveries.join_next().await {
        let (index, status) = outcome.unwrap();
        if status == 200 {
            acknowledged.push(format!("wamid.KILL{index}"));
        }
    }
    drop(gateway);

    // As if killed right after a commit and before its processing: a stored, unapplied body.
    let store = open_store(dir.path()).await;
    store
        .store_webhook_body(&inbound_body(&demo.phone_number_id, "wamid.STORED_ONLY"), Timestamp::now())
        .await
        .unwrap();
    acknowledged.push("wamid.STORED_ONLY".to_owned());

    let gateway = Process::serve(dir.path(), &["--demo"]).await;
    wait_until_applied(&store).await;
    let wamids = ledger_wamids(&client, &gateway, &demo.api_key).await;
    for wamid in &acknowledged {
        assert_eq!(wamids.iter().filter(|seen| *seen == wamid).count(), 1, "{wamid} is in the ledger exactly once");
    }
    assert!(wamids.len() <= 61, "nothing invented: {}", wamids.len());

    // A redelivery of an applied body changes nothing.
    assert_eq!(post(&client, &gateway, inbound_body(&demo.phone_number_id, "wamid.STORED_ONLY")).await.unwrap(), 200);
    wait_until_applied(&store).await;
    assert_eq!(ledger_wamids(&client, &gateway, &demo.api_key).await.len(), wamids.len());
    assert!(store.integrity_ok().await.unwrap(), "PRAGMA integrity_check");
    assert!(gateway.stop().await.success());
    store.close().await;
}

#[tokio::test]
async fn an_operator_lists_unrouted_webhooks_and_reroutes_them_once_a_connection_owns_the_number() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_str().unwrap();
    let gateway = Process::serve(dir.path(), &["--demo"]).await;
    let demo = Demo::read(dir.path());
    assert!(gateway.banner.contains("/meta/webhooks"), "{}", gateway.banner);
    let client = reqwest::Client::new();
    // The demo connection owns only the first demo number.
    assert_eq!(post(&client, &gateway, inbound_body(OTHER_NUMBER, "wamid.UNROUTED")).await.unwrap(), 200);

    let mut unrouted = Value::Null;
    for _ in 0..200 {
        let (code, stdout, stderr) = run(&["admin", "--data-dir", data_dir, "--json", "webhooks", "unrouted"]).await;
        assert_eq!(code, 0, "{stderr}");
        unrouted = serde_json::from_str(&stdout).unwrap();
        if !unrouted.as_array().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(unrouted[0]["route_kind"], "phone_number_id", "{unrouted}");
    assert_eq!(unrouted[0]["route_id"], OTHER_NUMBER);
    let (_, table, _) = run(&["admin", "--data-dir", data_dir, "webhooks", "unrouted"]).await;
    assert!(table.contains("phone_number_id 1000000000001001"), "{table}");

    let (code, _, stderr) = run(&[
        "admin",
        "--data-dir",
        data_dir,
        "connections",
        "import",
        "--account",
        "demo",
        "--token",
        DEMO_ACCESS_TOKEN,
        "--waba-id",
        DEMO_WABA_ID,
    ])
    .await;
    assert_eq!(code, 0, "{stderr}");
    let (code, stdout, stderr) = run(&["admin", "--data-dir", data_dir, "webhooks", "reroute"]).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("Rerouted 1 change(s); 0 still without an owner"), "{stdout}");
    let message = client.get(gateway.url("/messages/wamid.UNROUTED")).bearer_auth(&demo.api_key).send().await.unwrap();
    assert_eq!(message.status(), 200);
    let (_, stdout, _) = run(&["admin", "--data-dir", data_dir, "--json", "webhooks", "unrouted"]).await;
    assert_eq!(stdout.trim(), "[]");
}
