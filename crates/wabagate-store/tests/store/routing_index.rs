//! The webhook routing index, kept up to date one connection at a time: after every kind of
//! change (activated, claims replaced, expired, failed, deleted) it is exactly what a rebuild
//! from all ACTIVE connections makes, including where several connections claim one id and
//! the newest (by creation) must win whatever order they were activated in.

use serde_json::{Value, json};
use uuid::Uuid;
use wabagate_store::{AccessToken, Route, RouteKind, Store};

use crate::TestStore;

const IDS: [(RouteKind, &str); 6] = [
    (RouteKind::PhoneNumber, "n1"),
    (RouteKind::PhoneNumber, "n2"),
    (RouteKind::PhoneNumber, "n3"),
    (RouteKind::Waba, "w1"),
    (RouteKind::Waba, "w2"),
    (RouteKind::Waba, "w3"),
];

fn claims(numbers: &[&str], wabas: &[&str]) -> Value {
    let numbers: Vec<Value> = numbers.iter().map(|id| json!({"id": id})).collect();
    json!({"phone_numbers": numbers, "waba_ids": wabas})
}

async fn routes(store: &Store) -> Vec<Option<Route>> {
    let mut routes = Vec::new();
    for (kind, id) in IDS {
        routes.push(store.webhook_route(kind, id).await.unwrap());
    }
    routes
}

/// The index as the changes left it, checked against a rebuild from scratch.
async fn checked(store: &Store, step: &str) -> Vec<Option<Route>> {
    let kept = routes(store).await;
    store.rebuild_webhook_routes().await.unwrap();
    assert_eq!(kept, routes(store).await, "after {step}, the index differs from a rebuild");
    kept
}

fn owner(routes: &[Option<Route>], index: usize) -> Option<Uuid> {
    routes[index].map(|route| route.connection_id)
}

#[tokio::test]
async fn the_index_kept_per_change_is_what_a_rebuild_makes() {
    let test = TestStore::open().await;
    let store = &test.store;
    let acme = store.create_account("acme").await.unwrap().account_id;
    let globex = store.create_account("globex").await.unwrap().account_id;
    let token = AccessToken::new("EAAG-routing-test");
    let pending = |account| store.create_connection(account, "whatsapp-business", std::time::Duration::from_secs(600));

    // Created in this order; activated in another, so creation, not activation, decides.
    let oldest = store.create_active_connection(acme, "whatsapp-business", &token, claims(&["n1", "n2"], &["w1"]));
    let oldest = oldest.await.unwrap().connection_id;
    let middle = pending(acme).await.unwrap().connection_id;
    let newest = pending(globex).await.unwrap().connection_id;
    store.activate_connection(newest, &token, claims(&["n2"], &["w2"]), None).await.unwrap();
    let index = checked(store, "the newest activated").await;
    assert_eq!((owner(&index, 1), index[1].unwrap().account_id), (Some(newest), globex));
    store.activate_connection(middle, &token, claims(&["n2", "n3"], &["w1"]), None).await.unwrap();
    let index = checked(store, "an older one activated later").await;
    assert_eq!(owner(&index, 1), Some(newest), "the newest keeps what it claims");
    assert_eq!(owner(&index, 3), Some(middle), "w1 goes to the newer of its two claimants");

    store.delete_connection(globex, newest).await.unwrap();
    let index = checked(store, "the newest deleted").await;
    assert_eq!(owner(&index, 1), Some(middle), "n2 passes to the next newest claimant");
    assert_eq!(index[4], None, "w2 had no other claimant");

    store.expire_connection(middle, json!({"reason": "test"})).await.unwrap();
    let index = checked(store, "the middle one expired").await;
    assert_eq!((owner(&index, 1), owner(&index, 3), index[2]), (Some(oldest), Some(oldest), None));

    store.activate_connection(middle, &token, claims(&["n3"], &["w3"]), None).await.unwrap();
    let index = checked(store, "reconnected with other claims").await;
    assert_eq!((owner(&index, 1), owner(&index, 2), owner(&index, 5)), (Some(oldest), Some(middle), Some(middle)));

    store.fail_connection(oldest, json!({"reason": "test"})).await.unwrap();
    let index = checked(store, "the oldest failed").await;
    assert_eq!((index[0], index[1], index[3]), (None, None, None));
    assert_eq!(owner(&index, 2), Some(middle));
}
