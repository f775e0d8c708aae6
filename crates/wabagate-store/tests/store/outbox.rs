//! The outbox's claims and outcomes: a claimed row is nobody else's until its lease ends,
//! an outcome is recorded only under the lease that claimed it, a hand-off takes only the
//! place it leaves, published events are unique per account and, on PostgreSQL, told to
//! listeners as they commit.

use std::time::Duration;

use serde_json::json;
use wabagate_store::{AccessToken, AttemptOutcome, AttemptRecord, NewOutboundEvent, NewSubscription, Timestamp};

use crate::TestStore;

const LEASE: Duration = Duration::from_secs(60);

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_unix_micros(1_800_000_000_000_000 + seconds * 1_000_000)
}

fn attempt(when: Timestamp, status: u16) -> AttemptRecord {
    AttemptRecord { attempted_at: when, http_status: Some(status), duration_ms: 3, error: None, response_body: None }
}

/// An account with one endpoint for every event, and `count` events published for it.
async fn endpoint_with_events(test: &TestStore, count: usize) {
    let account = test.store.create_account("acme").await.unwrap();
    let new = NewSubscription {
        url: "https://hooks.example.com/in".to_owned(),
        events: vec!["*".to_owned()],
        phone_number_ids: Vec::new(),
        description: None,
    };
    test.store.create_subscription(account.account_id, &new, &AccessToken::new("whsec_x"), at(0)).await.unwrap();
    for index in 0..count {
        let wamid = format!("wamid.{index}");
        let event = NewOutboundEvent::new("message.received", &[&wamid], None, json!({}), at(0));
        test.store.publish_event(account.account_id, &event, at(0)).await.unwrap();
    }
}

#[tokio::test]
async fn a_claim_is_exclusive_until_its_lease_ends_and_only_its_owner_records_the_outcome() {
    let test = TestStore::open().await;
    let account = test.store.create_account("acme").await.unwrap();
    let new = NewSubscription {
        url: "https://hooks.example.com/in".to_owned(),
        events: vec!["message.*".to_owned()],
        phone_number_ids: Vec::new(),
        description: None,
    };
    let subscription =
        test.store.create_subscription(account.account_id, &new, &AccessToken::new("whsec_x"), at(0)).await.unwrap();
    let event = NewOutboundEvent::new("message.read", &["wamid.1", "read"], Some("1"), json!({}), at(0));
    assert!(test.store.publish_event(account.account_id, &event, at(0)).await.unwrap());
    assert!(!test.store.publish_event(account.account_id, &event, at(1)).await.unwrap(), "published once");

    let first = test.store.claim_deliveries(at(1), LEASE, 4, 10).await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].subscription_id, subscription.subscription_id);
    assert_eq!(first[0].attempt, 1);
    assert!(test.store.claim_deliveries(at(2), LEASE, 4, 10).await.unwrap().is_empty(), "held by the lease");

    // The first worker died; after its lease another claims the row, and the first's late
    // outcome is refused.
    let second = test.store.claim_deliveries(at(62), LEASE, 4, 10).await.unwrap();
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].attempt, 2);
    assert_eq!(second[0].event_id, first[0].event_id, "the same webhook-id");
    let ok = attempt(at(63), 200);
    assert!(!test.store.finish_delivery(&first[0], &ok, AttemptOutcome::Delivered, at(63)).await.unwrap());
    assert!(test.store.finish_delivery(&second[0], &ok, AttemptOutcome::Delivered, at(63)).await.unwrap());
    let deliveries = test.store.deliveries(subscription.subscription_id, &Default::default(), 10).await.unwrap();
    assert_eq!(deliveries[0].status, "delivered");
    assert_eq!(deliveries[0].attempts.len(), 1, "only the current lease's attempt is logged");
    assert!(test.store.claim_deliveries(at(200), LEASE, 4, 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn at_most_the_per_endpoint_limit_is_in_flight() {
    let test = TestStore::open().await;
    endpoint_with_events(&test, 10).await;
    assert_eq!(test.store.claim_deliveries(at(1), LEASE, 4, 32).await.unwrap().len(), 4);
    assert_eq!(test.store.claim_deliveries(at(1), LEASE, 4, 32).await.unwrap().len(), 0, "the endpoint is full");
}

#[tokio::test]
async fn a_finished_delivery_hands_its_place_to_the_next_of_its_endpoint_and_never_adds_one() {
    let test = TestStore::open().await;
    endpoint_with_events(&test, 6).await;
    let held = test.store.claim_deliveries(at(1), LEASE, 4, 32).await.unwrap();
    assert_eq!(held.len(), 4);

    // The place the first leaves goes to a waiting one; the endpoint still holds four.
    let ok = attempt(at(1), 200);
    let finished =
        test.store.finish_and_take_next(&held[0], &ok, AttemptOutcome::Delivered, at(1), LEASE).await.unwrap();
    assert!(finished.recorded);
    let next = finished.next.expect("a waiting delivery takes the place");
    assert!(held.iter().all(|claimed| claimed.event_id != next.event_id), "not one already held");
    assert_eq!(next.attempt, 1);
    assert!(test.store.claim_deliveries(at(1), LEASE, 4, 32).await.unwrap().is_empty(), "still four in flight");

    // An outcome under a lease that was taken over records nothing and takes nothing.
    let late = test.store.finish_and_take_next(&held[0], &ok, AttemptOutcome::Delivered, at(2), LEASE).await.unwrap();
    assert!(!late.recorded && late.next.is_none());

    // The last waiting one goes the same way; then nothing is left to take.
    let finished =
        test.store.finish_and_take_next(&held[1], &ok, AttemptOutcome::Delivered, at(2), LEASE).await.unwrap();
    assert!(finished.next.is_some());
    let finished =
        test.store.finish_and_take_next(&held[2], &ok, AttemptOutcome::Delivered, at(2), LEASE).await.unwrap();
    assert!(finished.recorded && finished.next.is_none());

    // A 410 disables the subscription: its place goes to nobody.
    let gone = attempt(at(3), 410);
    let finished = test.store.finish_and_take_next(&next, &gone, AttemptOutcome::Gone, at(3), LEASE).await.unwrap();
    assert!(finished.recorded && finished.next.is_none());
}

#[tokio::test]
async fn on_postgresql_a_published_event_is_told_to_every_listener_when_it_commits() {
    let test = TestStore::open().await;
    let Some(mut notices) = test.store.listen_event_notices().await.unwrap() else {
        println!("on_postgresql_…: SQLite tells nothing (the polls serve)");
        return;
    };
    let account = test.store.create_account("acme").await.unwrap();
    let event = NewOutboundEvent::new("message.received", &["wamid.told"], None, json!({}), at(0));
    assert!(test.store.publish_event(account.account_id, &event, at(0)).await.unwrap());
    let told = tokio::time::timeout(Duration::from_secs(5), notices.next()).await;
    assert!(told.expect("told within 5 s").unwrap(), "a notice, not a lost connection");
}
