-- Inbound: Meta's webhooks stored before they are answered, the routing index, the message
-- ledger with its status history, service windows, the template mirror and connection events.
-- Times are Unix microseconds unless a column says `_unix` (Meta's seconds).

-- Every signed webhook body, byte for byte, committed before Meta gets its 200. The
-- processor works from these rows in id (arrival) order; `processed_at` is set in the same
-- transaction that applies the body, so a crash never loses or repeats one. Kept 7 days.
CREATE TABLE webhook_bodies (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    body          BLOB NOT NULL,
    sha256        BLOB NOT NULL,
    received_at   INTEGER NOT NULL,
    processed_at  INTEGER,
    -- Why the body could not be read (not JSON, not an envelope), when it could not.
    error         TEXT
);

CREATE INDEX webhook_bodies_pending ON webhook_bodies(processed_at, id);

-- Changes whose phone number (or WABA) no connection owns yet, kept as a one-change
-- notification so rerouting replays them through the same path as a fresh body.
CREATE TABLE unrouted_changes (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    body_id         INTEGER NOT NULL,
    field           TEXT NOT NULL,
    -- What it routes by: 'phone_number_id' or 'waba_id', and that id.
    route_kind      TEXT NOT NULL,
    route_id        TEXT NOT NULL,
    notification    TEXT NOT NULL,
    received_at     INTEGER NOT NULL,
    rerouted_at     INTEGER
);

CREATE INDEX unrouted_changes_pending ON unrouted_changes(rerouted_at, id);

-- Which connection a webhook for a phone number or a WABA belongs to, rebuilt from the
-- ACTIVE connections' metadata whenever a connection changes (newest ACTIVE wins).
CREATE TABLE webhook_routes (
    route_kind     TEXT NOT NULL,
    route_id       TEXT NOT NULL,
    connection_id  TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    account_id     TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    PRIMARY KEY (route_kind, route_id)
);

CREATE INDEX webhook_routes_by_account ON webhook_routes(account_id, route_kind);

-- The message ledger: one row per wamid, outbound (sent through the gateway, or seen only
-- through its statuses: origin 'external') and inbound.
CREATE TABLE messages (
    wamid                     TEXT PRIMARY KEY,
    direction                 TEXT NOT NULL CHECK (direction IN ('outbound', 'inbound')),
    origin                    TEXT NOT NULL CHECK (origin IN ('gateway', 'external')),
    account_id                TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    connection_id             TEXT,
    phone_number_id           TEXT NOT NULL,
    -- The customer: recipient of an outbound message, sender of an inbound one.
    peer                      TEXT NOT NULL,
    type                      TEXT,
    status                    TEXT NOT NULL,
    -- Orders statuses so they only move forward (see ledger.rs).
    status_rank               INTEGER NOT NULL,
    errors                    TEXT,
    content                   TEXT,
    template_name             TEXT,
    biz_opaque_callback_data  TEXT,
    reply_to                  TEXT,
    profile_name              TEXT,
    request_id                TEXT,
    created_at                INTEGER NOT NULL,
    updated_at                INTEGER NOT NULL
);

CREATE INDEX messages_by_account ON messages(account_id, created_at, wamid);
CREATE INDEX messages_by_thread ON messages(account_id, phone_number_id, peer, created_at);

-- Every status Meta reported, once per (wamid, status), late ones included.
CREATE TABLE message_statuses (
    wamid           TEXT NOT NULL,
    status          TEXT NOT NULL,
    timestamp_unix  INTEGER,
    errors          TEXT,
    received_at     INTEGER NOT NULL,
    PRIMARY KEY (wamid, status)
);

-- The 24-hour customer service window of (business number, customer).
CREATE TABLE service_windows (
    phone_number_id    TEXT NOT NULL,
    wa_id              TEXT NOT NULL,
    last_inbound_unix  INTEGER NOT NULL,
    PRIMARY KEY (phone_number_id, wa_id)
);

-- The template mirror per WABA; `source_time_unix` is the entry time (or sync time) of
-- what was last applied, so an older webhook arriving late changes nothing.
CREATE TABLE templates (
    waba_id           TEXT NOT NULL,
    id                TEXT NOT NULL,
    name              TEXT NOT NULL,
    language          TEXT NOT NULL,
    status            TEXT NOT NULL,
    category          TEXT,
    components        TEXT,
    rejected_reason   TEXT,
    source_time_unix  INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    PRIMARY KEY (waba_id, id)
);

-- What happened to connections (Meta's account updates, status changes), in order: the
-- outbound-events work reads these, and may write its outbox row in the same transaction.
CREATE TABLE connection_events (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id     TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    connection_id  TEXT NOT NULL,
    kind           TEXT NOT NULL,
    detail         TEXT NOT NULL,
    occurred_at    INTEGER NOT NULL
);

CREATE INDEX connection_events_by_connection ON connection_events(connection_id, id);
