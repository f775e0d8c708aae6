-- The browser connect flow. A connection's url carries a session token. The token is looked
-- up by its SHA-256; the current one is also kept sealed on the connection (like Meta
-- tokens) only so GET /connections/{id} can show the same url again.

CREATE TABLE connect_sessions (
    token_hash     BYTEA PRIMARY KEY,
    connection_id  TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    -- SHA-256 of the OAuth `state` minted when the connect page was opened (the CSRF binding).
    state_hash     BYTEA UNIQUE,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    -- Single use: the page opens once, the OAuth callback completes once.
    opened_at      BIGINT,
    completed_at   BIGINT
);

CREATE INDEX connect_sessions_by_connection ON connect_sessions(connection_id);

ALTER TABLE connections ADD COLUMN session_ciphertext BYTEA;
ALTER TABLE connections ADD COLUMN session_nonce BYTEA;
ALTER TABLE connections ADD COLUMN session_key_id TEXT;
-- When Meta stops honouring the connection's token (Unix microseconds), so a watcher can
-- mark it EXPIRED without parsing metadata.
ALTER TABLE connections ADD COLUMN token_expires_at BIGINT;
