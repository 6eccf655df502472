-- Schema 1 of the case file (PRAGMA user_version = 1).
--
-- Times are RFC 3339 text with the offset the user gave them in
-- ("2026-11-21T15:14:00+08:00"), never converted to UTC. Amounts are exact
-- decimal text ("200.00"), never REAL. STRICT tables reject any other type.
--
-- A case's observations live inside its case_json: the case is the unit the
-- domain validates and orders, so what is read back is exactly the case that
-- was written. Adding one observation is one transaction that rewrites it.

CREATE TABLE cases (
    id              TEXT PRIMARY KEY NOT NULL CHECK (id GLOB 'dz-*'),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    -- updated_at in microseconds since the epoch: the listing's sort key
    -- (RFC 3339 texts in different offsets do not sort as text).
    updated_order   INTEGER NOT NULL,
    -- Listing columns, copied from case_json in the same statement.
    platform_preset TEXT NOT NULL,
    platform_name   TEXT,
    order_id        TEXT NOT NULL,
    amount          TEXT NOT NULL,
    currency        TEXT NOT NULL,
    submitted_at    TEXT NOT NULL,
    -- The whole validated case (daozhang::domain::case::Case) as JSON.
    case_json       TEXT NOT NULL CHECK (json_valid(case_json))
) STRICT;

CREATE INDEX cases_by_update ON cases (updated_order DESC, id DESC);
CREATE INDEX cases_by_order_id ON cases (order_id);

-- One row per check that was kept; seq is the insertion order.
CREATE TABLE checks (
    seq           INTEGER PRIMARY KEY,
    case_id       TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    at            TEXT NOT NULL,
    code          TEXT NOT NULL,
    broken_link   TEXT,
    summary_json  TEXT NOT NULL CHECK (json_valid(summary_json)),
    next_deadline TEXT,
    report_json   TEXT NOT NULL CHECK (json_valid(report_json))
) STRICT;

CREATE INDEX checks_by_case ON checks (case_id, seq);

-- One row per complaint message that was kept; seq is the insertion order.
CREATE TABLE messages (
    seq      INTEGER PRIMARY KEY,
    case_id  TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    at       TEXT NOT NULL,
    audience TEXT NOT NULL,
    lang     TEXT NOT NULL,
    text     TEXT NOT NULL,
    sent_at  TEXT
) STRICT;

CREATE INDEX messages_by_case ON messages (case_id, seq);
