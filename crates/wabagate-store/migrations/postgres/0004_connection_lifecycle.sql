-- The connection lifecycle apps build on: what an app attaches to a connection when it
-- creates it, and connect links that end when a newer one is issued.

-- Where the business's browser goes when the connect flow ends (an allowed origin, checked
-- by the server when the connection is created).
ALTER TABLE connections ADD COLUMN redirect_url TEXT;
-- The app's own labels: a JSON object of strings, filterable with GET /connections?tag.k=v.
ALTER TABLE connections ADD COLUMN tags TEXT NOT NULL DEFAULT '{}';
-- The app's id for the business (or person) this connection belongs to.
ALTER TABLE connections ADD COLUMN end_user_id TEXT;
-- 1: the connection may share a WABA with another ACTIVE connection of its account.
ALTER TABLE connections ADD COLUMN force BIGINT NOT NULL DEFAULT 0;

-- When a newer link of the same connection ended this one (it then works no more).
ALTER TABLE connect_sessions ADD COLUMN replaced_at BIGINT;

-- The expiry watcher looks for PENDING and ACTIVE connections every few seconds.
CREATE INDEX connections_by_status ON connections(status);
