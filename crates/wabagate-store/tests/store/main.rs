//! The store's behaviour over a real database: a SQLite file, or a fresh PostgreSQL database
//! when `WABAGATE_TEST_DATABASE_URL` is set (see `wabagate_store::test_database`). Written
//! against `Store` only, so the one suite runs on both.

mod ledger;
mod operations;
mod outage;
mod outbox;
mod routing_index;
mod schema;

use serde_json::json;
use uuid::Uuid;
use wabagate_store::test_database::TestDatabase;
use wabagate_store::{AccessToken, ApiKey, ConnectionStatus, Keyring, Store, StoreError};

pub(crate) const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const HOUR: std::time::Duration = std::time::Duration::from_secs(3600);
pub(crate) const OTHER_KEY: &str = "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1eff";

pub(crate) struct TestStore {
    pub(crate) store: Store,
    // Dropped after the store (fields drop in order): the database outlives its pool.
    pub(crate) database: TestDatabase,
    pub(crate) dir: tempfile::TempDir,
}

impl TestStore {
    pub(crate) async fn open() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let database = TestDatabase::create(&dir.path().join("wabagate.db")).await;
        let store = Store::open(database.url(), Keyring::from_hex(KEY, &[]).unwrap()).await.unwrap();
        Self { store, database, dir }
    }

    pub(crate) fn url(&self) -> &str {
        self.database.url()
    }

    /// Whether a SQLite-only test applies; prints why not when it does not.
    pub(crate) fn on_sqlite(&self, test: &str) -> bool {
        let sqlite = !self.database.is_postgres();
        if !sqlite {
            println!("{test}: skipped on PostgreSQL (it is about SQLite's file)");
        }
        sqlite
    }
}

#[tokio::test]
async fn account_names_are_unique_and_found_by_name_or_id() {
    let test = TestStore::open().await;
    let acme = test.store.create_account("acme").await.unwrap();
    assert!(matches!(test.store.create_account("acme").await, Err(StoreError::Conflict(_))));
    assert_eq!(test.store.find_account("acme").await.unwrap(), acme);
    assert_eq!(test.store.find_account(&acme.account_id.to_string()).await.unwrap(), acme);
    assert!(matches!(test.store.find_account("nobody").await, Err(StoreError::NotFound)));
}

#[tokio::test]
async fn a_key_finds_its_account_until_it_is_revoked() {
    let test = TestStore::open().await;
    let acme = test.store.create_account("acme").await.unwrap();
    let (info, key) = test.store.create_api_key(acme.account_id).await.unwrap();
    assert_eq!(test.store.account_for_key(&key.hash()).await.unwrap(), Some(acme.clone()));
    assert_eq!(test.store.account_for_key(&ApiKey::generate().hash()).await.unwrap(), None);

    let revoked = test.store.revoke_api_key(info.key_id).await.unwrap();
    assert!(revoked.revoked_time.is_some());
    assert_eq!(test.store.account_for_key(&key.hash()).await.unwrap(), None);
    let again = test.store.revoke_api_key(info.key_id).await.unwrap();
    assert_eq!(again.revoked_time, revoked.revoked_time, "revoking twice keeps the first time");
    assert!(matches!(test.store.create_api_key(Uuid::new_v4()).await, Err(StoreError::NotFound)));
}

#[tokio::test]
async fn connections_belong_to_one_account() {
    let test = TestStore::open().await;
    let alice = test.store.create_account("alice").await.unwrap();
    let bob = test.store.create_account("bob").await.unwrap();
    let alices = test.store.create_connection(alice.account_id, "whatsapp-business", HOUR).await.unwrap();
    assert_eq!(alices.status, ConnectionStatus::Pending);

    assert!(test.store.list_connections(bob.account_id, None, None).await.unwrap().is_empty());
    let not_bobs = test.store.get_connection(bob.account_id, alices.connection_id).await;
    assert!(matches!(not_bobs, Err(StoreError::NotFound)));
    let not_deleted = test.store.delete_connection(bob.account_id, alices.connection_id).await;
    assert!(matches!(not_deleted, Err(StoreError::NotFound)));
    assert_eq!(test.store.get_connection(alice.account_id, alices.connection_id).await.unwrap(), alices);
}

#[tokio::test]
async fn activation_stores_a_token_that_the_gateway_gets_back_opened() {
    let test = TestStore::open().await;
    let acme = test.store.create_account("acme").await.unwrap();
    let pending = test.store.create_connection(acme.account_id, "whatsapp-business", HOUR).await.unwrap();
    let metadata = json!({"waba_ids": ["1"], "phone_numbers": [{"id": "111"}, {"id": "222"}]});
    let active = test
        .store
        .activate_connection(pending.connection_id, &AccessToken::new("EAAGsecret"), metadata.clone(), None)
        .await
        .unwrap();
    assert_eq!(active.status, ConnectionStatus::Active);
    assert_eq!(active.metadata, metadata);
    assert!(active.last_updated_time >= pending.last_updated_time);

    let for_gateway = test.store.gateway_connections(acme.account_id).await.unwrap();
    assert_eq!(for_gateway.len(), 1);
    assert_eq!(for_gateway[0].token.as_ref().unwrap().expose(), "EAAGsecret");
    assert_eq!(for_gateway[0].phone_number_ids, ["111", "222"]);

    let filtered =
        test.store.list_connections(acme.account_id, Some("whatsapp-business"), Some(ConnectionStatus::Active));
    assert_eq!(filtered.await.unwrap().len(), 1);
    let none = test.store.list_connections(acme.account_id, None, Some(ConnectionStatus::Expired)).await.unwrap();
    assert!(none.is_empty());
}

#[tokio::test]
async fn a_reopened_store_keeps_everything_and_needs_the_same_master_key() {
    let test = TestStore::open().await;
    let acme = test.store.create_account("acme").await.unwrap();
    test.store
        .create_active_connection(acme.account_id, "whatsapp-business", &AccessToken::new("EAAGsecret"), json!({}))
        .await
        .unwrap();
    test.store.close().await;

    let reopened = Store::open(test.url(), Keyring::from_hex(KEY, &[]).unwrap()).await.unwrap();
    let connections = reopened.gateway_connections(acme.account_id).await.unwrap();
    assert_eq!(connections[0].token.as_ref().unwrap().expose(), "EAAGsecret");
    reopened.close().await;

    let wrong_key = Store::open(test.url(), Keyring::from_hex(OTHER_KEY, &[]).unwrap()).await.unwrap();
    let refused = wrong_key.gateway_connections(acme.account_id).await;
    assert!(matches!(refused, Err(StoreError::Keyring(_))), "{refused:?}");
    let message = refused.unwrap_err().to_string();
    assert!(!message.contains("EAAGsecret"));

    let rotated = Store::open(test.url(), Keyring::from_hex(OTHER_KEY, &[KEY]).unwrap()).await.unwrap();
    assert!(rotated.gateway_connections(acme.account_id).await.is_ok(), "old keys still open old tokens");
}

#[tokio::test]
async fn only_sqlite_and_postgres_urls_are_accepted() {
    let refused = Store::open("mysql://localhost/wabagate", Keyring::from_hex(KEY, &[]).unwrap()).await;
    let Err(error @ StoreError::UnsupportedUrl(_)) = refused else {
        panic!("expected UnsupportedUrl, got {refused:?}")
    };
    assert!(error.to_string().contains("postgres://"), "{error}");
}
