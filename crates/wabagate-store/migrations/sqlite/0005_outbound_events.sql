-- Outbound events: the per-account event log (what `GET /events/stream` serves), the
-- subscriptions that receive it, and the durable outbox of their deliveries with every
-- attempt. Times are Unix microseconds.

-- An account's endpoint. Its signing secret is sealed like a Meta token (the subscription
-- id as associated data); during a rotation the previous one signs beside it until
-- `previous_secret_expires_at`.
CREATE TABLE webhook_subscriptions (
    id                          TEXT PRIMARY KEY,
    account_id                  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    url                         TEXT NOT NULL,
    -- A JSON array of event names and globs (`message.*`).
    events                      TEXT NOT NULL,
    -- A JSON array; empty means every phone number.
    phone_number_ids            TEXT NOT NULL DEFAULT '[]',
    description                 TEXT,
    status                      TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
    disabled_reason             TEXT,
    secret_key_id               TEXT NOT NULL,
    secret_nonce                BLOB NOT NULL,
    secret_ciphertext           BLOB NOT NULL,
    previous_secret_key_id      TEXT,
    previous_secret_nonce       BLOB,
    previous_secret_ciphertext  BLOB,
    previous_secret_expires_at  INTEGER,
    created_at                  INTEGER NOT NULL,
    updated_at                  INTEGER NOT NULL,
    -- The first failure since the last success; 5 days of failing disables the subscription.
    failing_since               INTEGER
);

CREATE INDEX webhook_subscriptions_by_account ON webhook_subscriptions(account_id, status);

-- The account's events, in order: `seq` is the SSE `id:` (`Last-Event-ID`), `event_id` the
-- `webhook-id`, derived from Meta's item so a redelivered item is the same event. Kept 3
-- days, longer while a delivery refers to one.
CREATE TABLE events (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id       TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    event_id         TEXT NOT NULL,
    type             TEXT NOT NULL,
    phone_number_id  TEXT,
    body             TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    UNIQUE (account_id, event_id)
);

CREATE INDEX events_by_account ON events(account_id, seq);
CREATE INDEX events_by_age ON events(created_at);

-- One delivery of one event to one subscription. `failed` waits for `next_attempt_at`;
-- `in_flight` is held by `lease_owner` until `lease_until`, then due again (a killed
-- process's row); `delivered`, `dead` and `skipped` are final until replayed.
CREATE TABLE webhook_deliveries (
    id               TEXT PRIMARY KEY,
    subscription_id  TEXT NOT NULL REFERENCES webhook_subscriptions(id) ON DELETE CASCADE,
    event_seq        INTEGER NOT NULL REFERENCES events(seq) ON DELETE CASCADE,
    status           TEXT NOT NULL
        CHECK (status IN ('pending', 'in_flight', 'delivered', 'failed', 'dead', 'skipped')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    lease_until      INTEGER,
    lease_owner      TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    UNIQUE (event_seq, subscription_id)
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
CREATE INDEX webhook_deliveries_by_subscription ON webhook_deliveries(subscription_id, event_seq);

-- Every attempt of a delivery: what the endpoint answered (the first 1 KiB). Kept 30 days.
CREATE TABLE webhook_attempts (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id    TEXT NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    attempted_at   INTEGER NOT NULL,
    http_status    INTEGER,
    duration_ms    INTEGER NOT NULL,
    error          TEXT,
    response_body  TEXT
);

CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts(delivery_id, id);
CREATE INDEX webhook_attempts_by_age ON webhook_attempts(attempted_at);
