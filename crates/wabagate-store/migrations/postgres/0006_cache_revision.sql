-- One number that changes whenever anything the gateway's hot-path caches hold changes
-- (accounts, API keys, connections), whichever instance wrote it. As on SQLite, each `serve`
-- reads it a few times a second; on PostgreSQL the same trigger also notifies the
-- `wabagate_cache` channel, delivered when the change commits, so every instance listening
-- forgets its caches at once and the poll is only the backstop while a listener reconnects.
-- Triggers, not code in each store verb, so no writer (present or future) can forget it.

CREATE TABLE cache_revision (
    id        BIGINT PRIMARY KEY CHECK (id = 1),
    revision  BIGINT NOT NULL
);
INSERT INTO cache_revision (id, revision) VALUES (1, 0);

CREATE FUNCTION wabagate_cache_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    moved BIGINT;
BEGIN
    UPDATE cache_revision SET revision = revision + 1 RETURNING revision INTO moved;
    PERFORM pg_notify('wabagate_cache', moved::text);
    RETURN NULL;
END
$$;

-- Per row, like SQLite's: a statement that changed nothing leaves the caches alone.
CREATE TRIGGER accounts_changed AFTER INSERT OR UPDATE OR DELETE ON accounts
    FOR EACH ROW EXECUTE FUNCTION wabagate_cache_changed();
CREATE TRIGGER api_keys_changed AFTER INSERT OR UPDATE OR DELETE ON api_keys
    FOR EACH ROW EXECUTE FUNCTION wabagate_cache_changed();
CREATE TRIGGER connections_changed AFTER INSERT OR UPDATE OR DELETE ON connections
    FOR EACH ROW EXECUTE FUNCTION wabagate_cache_changed();
