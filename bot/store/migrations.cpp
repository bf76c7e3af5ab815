#include "bot/store/migrations.hpp"

// Times are TEXT "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" (fixed width, UTC), so string order is time
// order and they read well in psql/sqlite3 (PostgreSQL compares them with COLLATE "C" so a
// locale collation cannot reorder them). JSON is TEXT on both dialects so values round-trip
// byte for byte. Booleans are 0/1 integers on both.
namespace warroom::store {

namespace {

const std::vector<migration> sqlite_migrations = {
    {1, "incidents and timeline", R"sql(
CREATE TABLE incidents (
    id               TEXT PRIMARY KEY,
    day              TEXT NOT NULL,
    seq              INTEGER NOT NULL,
    title            TEXT NOT NULL,
    severity         TEXT NOT NULL,
    status           TEXT NOT NULL,
    is_private       INTEGER NOT NULL DEFAULT 0,
    commander        TEXT NOT NULL DEFAULT '',
    created_by       TEXT NOT NULL DEFAULT '',
    participants     TEXT NOT NULL DEFAULT '[]',
    hypotheses       TEXT NOT NULL DEFAULT '[]',
    mitigations      TEXT NOT NULL DEFAULT '[]',
    summary          TEXT NOT NULL DEFAULT '',
    channel_name     TEXT NOT NULL DEFAULT '',
    channel_id       TEXT NOT NULL DEFAULT '',
    declared_at      TEXT NOT NULL,
    acknowledged_at  TEXT,
    mitigated_at     TEXT,
    resolved_at      TEXT,
    closed_at        TEXT,
    update_cadence_s INTEGER NOT NULL DEFAULT 0,
    version          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX incidents_declared_at ON incidents (declared_at, id);
CREATE INDEX incidents_status ON incidents (status, declared_at);
CREATE INDEX incidents_channel_id ON incidents (channel_id);
CREATE INDEX incidents_channel_name ON incidents (channel_name);

CREATE TABLE roles (
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    role        TEXT NOT NULL,
    user_name   TEXT NOT NULL,
    PRIMARY KEY (incident_id, position)
);

CREATE TABLE actions (
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    number      INTEGER NOT NULL,
    text        TEXT NOT NULL,
    owner       TEXT NOT NULL DEFAULT '',
    due         TEXT NOT NULL DEFAULT '',
    priority    TEXT NOT NULL DEFAULT '',
    done        INTEGER NOT NULL DEFAULT 0,
    done_at     TEXT,
    PRIMARY KEY (incident_id, position)
);

CREATE TABLE timeline (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id TEXT NOT NULL
                REFERENCES incidents (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    kind        TEXT NOT NULL,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL DEFAULT '',
    source      TEXT NOT NULL,
    text        TEXT NOT NULL DEFAULT '',
    data        TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX timeline_incident ON timeline (incident_id, id);

CREATE TABLE incident_seq (
    day  TEXT PRIMARY KEY,
    last INTEGER NOT NULL
);
)sql"},
    {2, "inbox, outbox, message refs, jobs", R"sql(
CREATE TABLE inbox (
    key         TEXT PRIMARY KEY,
    source      TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX inbox_received_at ON inbox (received_at);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id     TEXT NOT NULL DEFAULT '',
    kind            TEXT NOT NULL,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    delivered_at    TEXT,
    last_error      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_pending_due ON outbox (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX outbox_pending_incident ON outbox (incident_id, id) WHERE status = 'pending';

CREATE TABLE message_refs (
    incident_id TEXT NOT NULL,
    ref         TEXT NOT NULL,
    channel     TEXT NOT NULL,
    ts          TEXT NOT NULL,
    PRIMARY KEY (incident_id, ref)
);

CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,
    incident_id TEXT NOT NULL DEFAULT '',
    due_at      TEXT NOT NULL,
    payload     TEXT NOT NULL DEFAULT '{}',
    status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'claimed')),
    claimed_at  TEXT
);
CREATE INDEX jobs_pending_due ON jobs (due_at, id) WHERE status = 'pending';
CREATE INDEX jobs_incident_kind ON jobs (incident_id, kind);
)sql"},
    {3, "inbox as a durable queue", R"sql(
ALTER TABLE inbox ADD COLUMN kind TEXT NOT NULL DEFAULT '';
ALTER TABLE inbox ADD COLUMN payload TEXT NOT NULL DEFAULT '';
ALTER TABLE inbox ADD COLUMN status TEXT NOT NULL DEFAULT 'applied';
ALTER TABLE inbox ADD COLUMN lease_until TEXT NOT NULL DEFAULT '';
ALTER TABLE inbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
CREATE INDEX inbox_pending ON inbox (lease_until, received_at) WHERE status = 'pending';
)sql"},
    // Claims walk pending rows oldest first and skip the few that are leased; the v3 index led
    // with lease_until, so every claim sorted the whole backlog while holding the write lock.
    {4, "inbox claimed in arrival order from an index", R"sql(
DROP INDEX inbox_pending;
CREATE INDEX inbox_pending ON inbox (received_at, key) WHERE status = 'pending';
)sql"},
    {5, "outbox lanes and leases", R"sql(
ALTER TABLE outbox ADD COLUMN lane TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN lease_until TEXT NOT NULL DEFAULT '';
-- Claims walk pending rows in id order; without this they walked the whole table, delivered
-- history included, while holding the write lock.
CREATE INDEX outbox_pending_id ON outbox (id) WHERE status = 'pending';
)sql"},
};

const std::vector<migration> postgres_migrations = {
    {1, "incidents and timeline", R"sql(
CREATE TABLE incidents (
    id               TEXT PRIMARY KEY,
    day              TEXT NOT NULL,
    seq              INTEGER NOT NULL,
    title            TEXT NOT NULL,
    severity         TEXT NOT NULL,
    status           TEXT NOT NULL,
    is_private       INTEGER NOT NULL DEFAULT 0,
    commander        TEXT NOT NULL DEFAULT '',
    created_by       TEXT NOT NULL DEFAULT '',
    participants     TEXT NOT NULL DEFAULT '[]',
    hypotheses       TEXT NOT NULL DEFAULT '[]',
    mitigations      TEXT NOT NULL DEFAULT '[]',
    summary          TEXT NOT NULL DEFAULT '',
    channel_name     TEXT NOT NULL DEFAULT '',
    channel_id       TEXT NOT NULL DEFAULT '',
    declared_at      TEXT COLLATE "C" NOT NULL,
    acknowledged_at  TEXT,
    mitigated_at     TEXT,
    resolved_at      TEXT,
    closed_at        TEXT,
    update_cadence_s BIGINT NOT NULL DEFAULT 0,
    version          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX incidents_declared_at ON incidents (declared_at, id);
CREATE INDEX incidents_status ON incidents (status, declared_at);
CREATE INDEX incidents_channel_id ON incidents (channel_id);
CREATE INDEX incidents_channel_name ON incidents (channel_name);

CREATE TABLE roles (
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    role        TEXT NOT NULL,
    user_name   TEXT NOT NULL,
    PRIMARY KEY (incident_id, position)
);

CREATE TABLE actions (
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    number      INTEGER NOT NULL,
    text        TEXT NOT NULL,
    owner       TEXT NOT NULL DEFAULT '',
    due         TEXT NOT NULL DEFAULT '',
    priority    TEXT NOT NULL DEFAULT '',
    done        INTEGER NOT NULL DEFAULT 0,
    done_at     TEXT,
    PRIMARY KEY (incident_id, position)
);

CREATE TABLE timeline (
    id          BIGSERIAL PRIMARY KEY,
    incident_id TEXT NOT NULL
                REFERENCES incidents (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    kind        TEXT NOT NULL,
    at          TEXT COLLATE "C" NOT NULL,
    actor       TEXT NOT NULL DEFAULT '',
    source      TEXT NOT NULL,
    text        TEXT NOT NULL DEFAULT '',
    data        TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX timeline_incident ON timeline (incident_id, id);

CREATE TABLE incident_seq (
    day  TEXT PRIMARY KEY,
    last INTEGER NOT NULL
);
)sql"},
    {2, "inbox, outbox, message refs, jobs", R"sql(
CREATE TABLE inbox (
    key         TEXT PRIMARY KEY,
    source      TEXT NOT NULL,
    received_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX inbox_received_at ON inbox (received_at);

CREATE TABLE outbox (
    id              BIGSERIAL PRIMARY KEY,
    incident_id     TEXT NOT NULL DEFAULT '',
    kind            TEXT NOT NULL,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT COLLATE "C" NOT NULL,
    next_attempt_at TEXT COLLATE "C" NOT NULL,
    delivered_at    TEXT,
    last_error      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_pending_due ON outbox (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX outbox_pending_incident ON outbox (incident_id, id) WHERE status = 'pending';

CREATE TABLE message_refs (
    incident_id TEXT NOT NULL,
    ref         TEXT NOT NULL,
    channel     TEXT NOT NULL,
    ts          TEXT NOT NULL,
    PRIMARY KEY (incident_id, ref)
);

CREATE TABLE jobs (
    id          BIGSERIAL PRIMARY KEY,
    kind        TEXT NOT NULL,
    incident_id TEXT NOT NULL DEFAULT '',
    due_at      TEXT COLLATE "C" NOT NULL,
    payload     TEXT NOT NULL DEFAULT '{}',
    status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'claimed')),
    claimed_at  TEXT
);
CREATE INDEX jobs_pending_due ON jobs (due_at, id) WHERE status = 'pending';
CREATE INDEX jobs_incident_kind ON jobs (incident_id, kind);
)sql"},
    {3, "inbox as a durable queue", R"sql(
ALTER TABLE inbox ADD COLUMN kind TEXT NOT NULL DEFAULT '';
ALTER TABLE inbox ADD COLUMN payload TEXT NOT NULL DEFAULT '';
ALTER TABLE inbox ADD COLUMN status TEXT NOT NULL DEFAULT 'applied';
ALTER TABLE inbox ADD COLUMN lease_until TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE inbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
CREATE INDEX inbox_pending ON inbox (lease_until, received_at) WHERE status = 'pending';
)sql"},
    {4, "inbox claimed in arrival order from an index", R"sql(
DROP INDEX inbox_pending;
CREATE INDEX inbox_pending ON inbox (received_at, key) WHERE status = 'pending';
)sql"},
    {5, "outbox lanes and leases", R"sql(
ALTER TABLE outbox ADD COLUMN lane TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN lease_until TEXT COLLATE "C" NOT NULL DEFAULT '';
-- Claims walk pending rows in id order; without this they walked the whole table, delivered
-- history included, while holding the write lock.
CREATE INDEX outbox_pending_id ON outbox (id) WHERE status = 'pending';
)sql"},
};

}  // namespace

const std::vector<migration>& migrations_for(sql_dialect d) {
    return d == sql_dialect::sqlite ? sqlite_migrations : postgres_migrations;
}

}  // namespace warroom::store
