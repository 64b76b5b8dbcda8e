-- Call history. One row per call, keyed by the phone's stable call id so that
-- replaying an event (after a retry or a restart) can never create a second row.
--
-- Times are INTEGER unix milliseconds (UTC); NULL means "not known". Text
-- columns are NOT NULL DEFAULT '' because the Go side treats "" as unknown and
-- a second spelling of "unknown" (NULL) would only invite bugs.
--
-- The vocabularies of direction, result and hangup_by are enforced by the
-- history repository rather than CHECK constraints: SQLite can only change a
-- CHECK by rebuilding the table, and new result kinds are expected.
CREATE TABLE calls (
    id            TEXT    PRIMARY KEY NOT NULL,
    account       TEXT    NOT NULL DEFAULT '',
    direction     TEXT    NOT NULL DEFAULT '',
    local_uri     TEXT    NOT NULL DEFAULT '',
    remote_uri    TEXT    NOT NULL DEFAULT '',
    remote_number TEXT    NOT NULL DEFAULT '',
    display_name  TEXT    NOT NULL DEFAULT '',
    dialled_line  TEXT    NOT NULL DEFAULT '',
    started_at    INTEGER,
    ringing_at    INTEGER,
    answered_at   INTEGER,
    ended_at      INTEGER,
    last_alive_at INTEGER,
    result        TEXT    NOT NULL DEFAULT '',
    sip_code      INTEGER NOT NULL DEFAULT 0,
    sip_reason    TEXT    NOT NULL DEFAULT '',
    hangup_by     TEXT    NOT NULL DEFAULT '',
    codec         TEXT    NOT NULL DEFAULT '',
    recording     TEXT    NOT NULL DEFAULT ''
);

-- The history view lists newest calls first.
CREATE INDEX calls_started_at ON calls (started_at);
-- "All calls with this number" and caller lookups.
CREATE INDEX calls_remote_number ON calls (remote_number);
