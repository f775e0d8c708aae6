-- wabagate's first schema. Times are Unix microseconds (the connection object shows
-- microseconds, as the hosted product does). Ids are UUIDs as text.
-- Never edit an applied migration: sqlx checks checksums. Add a new numbered file instead.
-- PostgreSQL's twin of migrations/sqlite/0001: the same tables and columns, BIGINT where SQLite
-- has INTEGER and BYTEA where it has BLOB, so both decode alike. JSON stays TEXT (cast to
-- jsonb where a query looks inside). Every migration is added to both folders.

CREATE TABLE accounts (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL
);

CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    -- The first characters of the key, shown to humans to tell keys apart; not enough to use it.
    prefix      TEXT NOT NULL,
    -- SHA-256 of the whole key. The key itself is never stored.
    hash        BYTEA NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);

CREATE INDEX api_keys_by_account ON api_keys(account_id);

CREATE TABLE connections (
    id                TEXT PRIMARY KEY,
    account_id        TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    app               TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('PENDING', 'ACTIVE', 'FAILED', 'EXPIRED')),
    metadata          TEXT NOT NULL DEFAULT '{}',
    -- The Meta access token, sealed with XChaCha20-Poly1305; the connection id is the
    -- associated data, so a ciphertext moved to another row does not open.
    token_ciphertext  BYTEA,
    token_nonce       BYTEA,
    -- Which master key sealed it, so keys can rotate.
    token_key_id      TEXT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);

-- The gateway's default connection is the account's oldest ACTIVE one.
CREATE INDEX connections_by_account ON connections(account_id, created_at);
