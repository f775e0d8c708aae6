//! `wabagate phone-numbers list|get`, defaulting the WABA and number from the connection.

use crate::support::DemoGateway;

#[tokio::test]
async fn list_and_get_default_from_the_demo_connection() {
    let gateway = DemoGateway::start().await;
    let listed = gateway.run(&["phone-numbers", "list"]).await;
    let stdout = listed.ok();
    assert!(stdout.starts_with("ID"), "{stdout}");
    assert!(stdout.contains(&gateway.phone_number_id), "{stdout}");
    let requests = gateway.sandbox_requests().await;
    assert_eq!(
        requests.last().unwrap()["path"],
        format!("/v21.0/{}/phone_numbers", gateway.waba_id),
        "the WABA came from the connection's metadata"
    );

    let shown = gateway.run(&["phone-numbers", "get"]).await;
    assert!(shown.ok().starts_with(&format!("id:              {}\n", gateway.phone_number_id)), "{}", shown.stdout);
    let raw = gateway.run(&["phone-numbers", "get", &gateway.phone_number_id, "--json"]).await.json();
    assert_eq!(raw["id"], gateway.phone_number_id.as_str());
}

#[tokio::test]
async fn the_graph_version_is_a_setting() {
    let gateway = DemoGateway::start().await;
    gateway.run(&["phone-numbers", "get", "--graph-version", "v22.0"]).await.ok();
    let requests = gateway.sandbox_requests().await;
    assert_eq!(requests.last().unwrap()["path"], format!("/v22.0/{}", gateway.phone_number_id));
}
