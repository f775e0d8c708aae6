//! What an operator relies on: private files, a master-key check, refusing a newer schema,
//! and an online backup that opens as the original did.

use serde_json::json;
use wabagate_store::{AccessToken, ConnectionStatus, Keyring, Store, StoreError, Timestamp};

use crate::{KEY, OTHER_KEY, TestStore};

#[cfg(unix)]
#[tokio::test]
async fn the_database_files_are_private_to_their_owner() {
    use std::os::unix::fs::PermissionsExt;
    let test = TestStore::open().await;
    if !test.on_sqlite("the_database_files_are_private_to_their_owner") {
        return;
    }
    test.store.create_account("acme").await.unwrap();
    for name in ["wabagate.db", "wabagate.db-wal", "wabagate.db-shm"] {
        let mode = std::fs::metadata(test.dir.path().join(name)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{name} is {mode:o}");
    }
}

#[tokio::test]
async fn the_key_check_names_the_key_ids_the_configured_keys_cannot_open() {
    let test = TestStore::open().await;
    let acme = test.store.create_account("acme").await.unwrap();
    test.store
        .create_active_connection(acme.account_id, "whatsapp-business", &AccessToken::new("EAAGsecret"), json!({}))
        .await
        .unwrap();
    test.store
        .create_connection(acme.account_id, "whatsapp-business", std::time::Duration::from_secs(60))
        .await
        .unwrap();
    assert!(test.store.unopenable_key_ids().await.unwrap().is_empty());
    let sealed_with = format!("{:?}", Keyring::from_hex(KEY, &[]).unwrap());
    test.store.close().await;

    let wrong = Store::open(test.url(), Keyring::from_hex(OTHER_KEY, &[]).unwrap()).await.unwrap();
    let unopenable = wrong.unopenable_key_ids().await.unwrap();
    assert_eq!(unopenable.len(), 1, "one key id, however many rows it sealed: {unopenable:?}");
    assert!(sealed_with.contains(unopenable.first().unwrap()), "{sealed_with} vs {unopenable:?}");
    wrong.close().await;

    let rotated = Store::open(test.url(), Keyring::from_hex(OTHER_KEY, &[KEY]).unwrap()).await.unwrap();
    assert!(rotated.unopenable_key_ids().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_database_migrated_by_a_newer_version_is_refused_with_one_clear_error() {
    let test = TestStore::open().await;
    test.store.close().await;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(test.url()).await.unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (9999, 'from the future', TRUE, $1, 0)",
    )
    .bind(vec![0u8])
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;

    let refused = Store::open(test.url(), Keyring::from_hex(KEY, &[]).unwrap()).await;
    let Err(error @ StoreError::NewerSchema { applied: 9999, .. }) = refused else {
        panic!("expected NewerSchema, got {refused:?}");
    };
    let message = format!("{:#}", anyhow::Error::from(error));
    assert!(message.contains("newer wabagate") && message.contains("backup"), "{message}");
    assert_eq!(message.matches("9999").count(), 1, "said once: {message}");
}

#[tokio::test]
async fn a_backup_taken_while_the_store_is_open_opens_with_everything_in_it() {
    let test = TestStore::open().await;
    if test.database.is_postgres() {
        let refused = test.store.backup_to(&test.dir.path().join("backup.db")).await;
        let Err(error @ StoreError::Backup(_)) = refused else { panic!("expected a refusal, got {refused:?}") };
        assert!(error.to_string().contains("pg_dump"), "{error}");
        return;
    }
    let acme = test.store.create_account("acme").await.unwrap();
    test.store
        .create_active_connection(acme.account_id, "whatsapp-business", &AccessToken::new("EAAGsecret"), json!({}))
        .await
        .unwrap();
    let backup = test.dir.path().join("backup.db");
    test.store.backup_to(&backup).await.unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&backup).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let again = test.store.backup_to(&backup).await;
    assert!(matches!(again, Err(StoreError::Backup(_))), "an existing file is never overwritten: {again:?}");

    let restored_url = format!("sqlite://{}", backup.display());
    let restored = Store::open(&restored_url, Keyring::from_hex(KEY, &[]).unwrap()).await.unwrap();
    assert_eq!(restored.find_account("acme").await.unwrap(), acme);
    let connections = restored.gateway_connections(acme.account_id).await.unwrap();
    assert_eq!(connections[0].token.as_ref().unwrap().expose(), "EAAGsecret");
}

#[tokio::test]
async fn the_census_counts_every_status_and_finds_the_soonest_active_token_expiry() {
    let test = TestStore::open().await;
    let empty = test.store.connection_census().await.unwrap();
    assert!(empty.by_status.iter().all(|(_, count)| *count == 0), "{empty:?}");
    assert_eq!(empty.soonest_token_expiry, None);

    let acme = test.store.create_account("acme").await.unwrap();
    let token = AccessToken::new("EAAGsecret");
    test.store.create_active_connection(acme.account_id, "whatsapp-business", &token, json!({})).await.unwrap();
    let week = std::time::Duration::from_secs(7 * 86_400);
    for expiry in
        [Timestamp::from_unix_micros(2_000_000_000_000_000), Timestamp::from_unix_micros(1_900_000_000_000_000)]
    {
        let pending = test.store.create_connection(acme.account_id, "whatsapp-business", week).await.unwrap();
        test.store.activate_connection(pending.connection_id, &token, json!({}), Some(expiry)).await.unwrap();
    }
    test.store.create_connection(acme.account_id, "whatsapp-business", week).await.unwrap();

    let census = test.store.connection_census().await.unwrap();
    assert_eq!(
        census.by_status,
        [
            (ConnectionStatus::Pending, 1),
            (ConnectionStatus::Active, 3),
            (ConnectionStatus::Failed, 0),
            (ConnectionStatus::Expired, 0)
        ]
    );
    assert_eq!(census.soonest_token_expiry, Some(Timestamp::from_unix_micros(1_900_000_000_000_000)));
}
