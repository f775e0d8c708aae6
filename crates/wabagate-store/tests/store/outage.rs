//! PostgreSQL failing under the store. A restart: while the server is down every verb fails
//! fast as unavailable (what the gateway answers 503 for), and once it is back the same
//! `Store` works again, without being reopened. On a private server
//! (`test_database::PrivateServer`), never the machine's shared one, which other tests use.
//! And a commit that fails after the statement's row was sent: the write is reported failed,
//! as a server stopped at that moment would have it.

use std::time::{Duration, Instant};

use sqlx::Connection;
use wabagate_store::test_database::PrivateServer;
use wabagate_store::{Keyring, Store, Timestamp};

use crate::{KEY, TestStore};

#[tokio::test]
async fn while_postgres_is_down_the_store_fails_fast_and_then_recovers_by_itself() {
    let Some(server) = PrivateServer::start("while_postgres_is_down_the_store_fails_fast_and_then_recovers_by_itself")
    else {
        return;
    };
    let store = Store::open(&server.url(), Keyring::from_hex(KEY, &[]).unwrap()).await.unwrap();
    let acme = store.create_account("acme").await.unwrap();

    server.stop();
    for _ in 0..3 {
        let started = Instant::now();
        let error = store.find_account("acme").await.unwrap_err();
        assert!(error.is_unavailable(), "{error:?}");
        assert!(started.elapsed() < Duration::from_secs(5), "failed after {:?}", started.elapsed());
    }
    assert!(store.ping().await.unwrap_err().is_unavailable());

    server.start_again();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        match store.find_account("acme").await {
            Ok(found) => break assert_eq!(found, acme),
            Err(error) => assert!(Instant::now() < deadline, "not back after the restart: {error:?}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    store.ping().await.unwrap();
}

/// PostgreSQL commits a statement run outside a transaction at the end of its reply, after
/// its `RETURNING` row: a stop in between, or a deferred constraint (how this test makes
/// it happen every time), rolls back a statement that has already sent its row. A webhook
/// body acknowledged on that row would be lost with Meta never told to redeliver it.
#[tokio::test]
async fn a_webhook_body_whose_commit_fails_after_its_row_is_reported_unstored() {
    let test = TestStore::open().await;
    if !test.database.is_postgres() {
        println!(
            "a_webhook_body_whose_commit_fails_after_its_row_is_reported_unstored: skipped on SQLite (no deferred constraints)"
        );
        return;
    }
    let mut admin = sqlx::postgres::PgConnection::connect(test.url()).await.unwrap();
    sqlx::raw_sql(
        "CREATE FUNCTION refuse_at_commit() RETURNS trigger LANGUAGE plpgsql AS
             $$ BEGIN RAISE EXCEPTION 'refused at commit'; END $$;
         CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER INSERT ON webhook_bodies
             DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_at_commit();",
    )
    .execute(&mut admin)
    .await
    .unwrap();
    admin.close().await.unwrap();

    let stored = test.store.store_webhook_body(b"{\"object\":\"whatsapp_business_account\"}", Timestamp::now()).await;
    assert!(stored.is_err(), "answered {stored:?} for a body that was rolled back");
    assert_eq!(test.store.webhook_body_counts().await.unwrap(), (0, 0));
}
