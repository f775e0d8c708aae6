-- One number that changes whenever anything the gateway's hot-path caches hold changes
-- (accounts, API keys, connections), whichever process wrote it: `wabagate admin` commands
-- open the database beside `serve`. Each `serve` reads it a few times a second and forgets
-- its caches when it moved, instead of letting every cached entry expire after 0.9 s.
-- Triggers, not code in each store verb, so no writer (present or future) can forget it.

CREATE TABLE cache_revision (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    revision  INTEGER NOT NULL
);
INSERT INTO cache_revision (id, revision) VALUES (1, 0);

CREATE TRIGGER accounts_inserted AFTER INSERT ON accounts
BEGIN UPDATE cache_revision SET revision = revision + 1; END;
CREATE TRIGGER accounts_updated AFTER UPDATE ON accounts
BEGIN UPDATE cache_revision SET revision = revision + 1; END;
CREATE TRIGGER accounts_deleted AFTER DELETE ON accounts
BEGIN UPDATE cache_revision SET revision = revision + 1; END;

CREATE TRIGGER api_keys_inserted AFTER INSERT ON api_keys
BEGIN UPDATE cache_revision SET revision = revision + 1; END;
CREATE TRIGGER api_keys_updated AFTER UPDATE ON api_keys
BEGIN UPDATE cache_revision SET revision = revision + 1; END;
CREATE TRIGGER api_keys_deleted AFTER DELETE ON api_keys
BEGIN UPDATE cache_revision SET revision = revision + 1; END;

CREATE TRIGGER connections_inserted AFTER INSERT ON connections
BEGIN UPDATE cache_revision SET revision = revision + 1; END;
CREATE TRIGGER connections_updated AFTER UPDATE ON connections
BEGIN UPDATE cache_revision SET revision = revision + 1; END;
CREATE TRIGGER connections_deleted AFTER DELETE ON connections
BEGIN UPDATE cache_revision SET revision = revision + 1; END;
