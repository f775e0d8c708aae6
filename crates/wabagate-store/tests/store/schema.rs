//! The two migration folders describe one schema: the same versions, and (when the run has
//! PostgreSQL) the same tables with the same columns once applied. A migration added to one
//! folder only fails here.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::Row;
use wabagate_store::test_database::TestDatabase;
use wabagate_store::{Keyring, Store};

use crate::KEY;

type Columns = BTreeMap<String, BTreeSet<String>>;

fn versions(folder: &str) -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(folder);
    let mut versions: Vec<String> = std::fs::read_dir(&path)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".sql"))
        .collect();
    versions.sort();
    versions
}

#[test]
fn both_backends_have_the_same_migrations() {
    let sqlite = versions("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, versions("postgres"), "every migration is written for SQLite and PostgreSQL alike");
}

async fn sqlite_columns(url: &str) -> Columns {
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    let rows = sqlx::query(
        "SELECT m.name AS table_name, c.name AS column_name FROM sqlite_master m, pragma_table_info(m.name) c
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    collect(&rows)
}

async fn postgres_columns(url: &str) -> Columns {
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    let rows = sqlx::query(
        "SELECT table_name::text AS table_name, column_name::text AS column_name FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    collect(&rows)
}

fn collect(rows: &[sqlx::any::AnyRow]) -> Columns {
    let mut columns = Columns::new();
    for row in rows {
        let table: String = row.get("table_name");
        columns.entry(table).or_default().insert(row.get("column_name"));
    }
    columns
}

#[tokio::test]
async fn both_backends_have_the_same_tables_and_columns() {
    let dir = tempfile::tempdir().unwrap();
    let postgres = TestDatabase::create(&dir.path().join("unused.db")).await;
    if !postgres.is_postgres() {
        println!("both_backends_have_the_same_tables_and_columns: skipped (WABAGATE_TEST_DATABASE_URL is not set)");
        return;
    }
    let sqlite_url = format!("sqlite://{}", dir.path().join("wabagate.db").display());
    for url in [sqlite_url.as_str(), postgres.url()] {
        Store::open(url, Keyring::from_hex(KEY, &[]).unwrap()).await.unwrap().close().await;
    }
    let sqlite = sqlite_columns(&sqlite_url).await;
    let postgres = postgres_columns(postgres.url()).await;
    assert!(sqlite.len() > 10, "{sqlite:?}");
    assert_eq!(sqlite, postgres);
}
