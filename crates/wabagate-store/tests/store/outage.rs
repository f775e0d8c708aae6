//! A PostgreSQL restart: while the server is down every verb fails fast as unavailable (what
//! the gateway answers 503 for), and once it is back the same `Store` works again, without
//! being reopened. On a private server (`test_database::PrivateServer`), never the machine's
//! shared one, which other tests use.

use std::time::{Duration, Instant};

use wabagate_store::test_database::PrivateServer;
use wabagate_store::{Keyring, Store};

use crate::KEY;

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
