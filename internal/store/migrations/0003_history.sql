-- Call history for the operator: who the call was with (normalised number,
-- linked contact, case and task), who handled it, how it went (quality,
-- transfer), and what the operator wrote about it (notes, disposition, tags).
--
-- Conventions of 0001 hold: times are INTEGER unix milliseconds (UTC) and
-- NULL when unknown; text is NOT NULL DEFAULT '' with '' meaning unknown; ids
-- of other records are INTEGER NOT NULL DEFAULT 0 with 0 meaning "none", like
-- sip_code. Quality figures are 0 until measured; mos = 0 says "not measured"
-- because a real MOS is never below 1.
--
-- Every partial index below leaves out the "unknown" value ('' or 0): no
-- filter ever asks for it, and on a large history most rows carry it, so the
-- indexes stay small and inserts of calls without that field touch nothing.
-- A query can use such an index only if its WHERE repeats the index's
-- condition literally (the history repository does).

-- remote_e164 is the number normalised by the caller (package crm owns the
-- normaliser; history never guesses). remote_digits_rev holds the digits of
-- remote_number in reverse, so "number ends with 4567" becomes an index
-- prefix search ('7654*') instead of a scan.
ALTER TABLE calls ADD COLUMN remote_e164       TEXT    NOT NULL DEFAULT '';
ALTER TABLE calls ADD COLUMN remote_digits_rev TEXT    NOT NULL DEFAULT '';
ALTER TABLE calls ADD COLUMN contact_id        INTEGER NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN case_id           INTEGER NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN task_id           INTEGER NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN operator          TEXT    NOT NULL DEFAULT '';
ALTER TABLE calls ADD COLUMN transfer_target   TEXT    NOT NULL DEFAULT '';
ALTER TABLE calls ADD COLUMN loss_pct          REAL    NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN jitter_ms         REAL    NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN delay_ms          REAL    NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN mos               REAL    NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN notes             TEXT    NOT NULL DEFAULT '';
ALTER TABLE calls ADD COLUMN disposition       TEXT    NOT NULL DEFAULT '';
-- When a later call with the same number was answered (either direction).
-- Only meaningful for incoming missed calls; kept by the triggers below so
-- that "missed and not called back" is an index lookup, not a search.
ALTER TABLE calls ADD COLUMN called_back_at    INTEGER;

-- Ring and talk time are derived, never stored twice; virtual columns let
-- them be indexed (sort by duration) and summed with the same rules as
-- Call.RingTime and Call.TalkTime: unknown ends or a clock that stepped
-- backwards give 0.
ALTER TABLE calls ADD COLUMN ring_ms INTEGER GENERATED ALWAYS AS (
    CASE WHEN COALESCE(answered_at, ended_at) >= ringing_at
         THEN COALESCE(answered_at, ended_at) - ringing_at ELSE 0 END) VIRTUAL;
ALTER TABLE calls ADD COLUMN talk_ms INTEGER GENERATED ALWAYS AS (
    CASE WHEN ended_at >= answered_at THEN ended_at - answered_at ELSE 0 END) VIRTUAL;

-- Calls recorded before this migration: fill the suffix key from the raw
-- number (digits only, reversed). remote_e164 stays '' until the caller
-- backfills it with the real normaliser.
UPDATE calls SET remote_digits_rev = (
    WITH RECURSIVE step (i, reversed) AS (
        SELECT 1, ''
        UNION ALL
        SELECT i + 1, CASE WHEN substr(calls.remote_number, i, 1) GLOB '[0-9]'
                           THEN substr(calls.remote_number, i, 1) || reversed ELSE reversed END
        FROM step WHERE i <= length(calls.remote_number)
    )
    SELECT reversed FROM step ORDER BY i DESC LIMIT 1)
WHERE remote_number <> '';

-- Lists are "newest first, filtered by one thing". An index of (filter
-- column, started_at) answers that with no sort: jump to the value, walk
-- backwards in time, stop after one page — whatever the table size. The
-- rowid every index ends with breaks ties, which keyset pagination needs.
-- calls_talk serves the sort by duration; calls_number_rev the number
-- suffix search: a range whose entries carry started_at, so the page is
-- sorted from the index and only its own rows are read.
CREATE INDEX calls_e164        ON calls (remote_e164, started_at)  WHERE remote_e164 <> '';
CREATE INDEX calls_contact     ON calls (contact_id, started_at)   WHERE contact_id <> 0;
CREATE INDEX calls_operator    ON calls (operator, started_at)     WHERE operator <> '';
CREATE INDEX calls_line        ON calls (dialled_line, started_at) WHERE dialled_line <> '';
CREATE INDEX calls_disposition ON calls (disposition, started_at)  WHERE disposition <> '';
CREATE INDEX calls_result      ON calls (result, started_at);
CREATE INDEX calls_number_rev  ON calls (remote_digits_rev, started_at) WHERE remote_digits_rev <> '';
CREATE INDEX calls_recording   ON calls (started_at)               WHERE recording <> '';
CREATE INDEX calls_talk        ON calls (talk_ms);
-- 0001 indexed the raw number alone; the callback triggers also need the
-- time order within one number.
DROP INDEX calls_remote_number;
CREATE INDEX calls_remote_number ON calls (remote_number, started_at);
-- The operator's to-do list: by number for the triggers below, by time
-- for the list. The time index carries the number, so the list never reads
-- the table to tell numbers apart, and (redundantly) the columns of its own
-- condition, without which SQLite reads the table to test them. A missed
-- call leaves both when it is called back.
CREATE INDEX calls_missed_open ON calls (remote_e164, remote_number, started_at)
    WHERE direction = 'in' AND result = 'missed' AND called_back_at IS NULL;
CREATE INDEX calls_missed_open_time ON calls (started_at, remote_e164, remote_number, direction, result, called_back_at)
    WHERE direction = 'in' AND result = 'missed' AND called_back_at IS NULL;
-- Calls with notes, newest first: a needle too short for the trigram index
-- (one or two characters) is searched by walking these.
CREATE INDEX calls_noted ON calls (started_at) WHERE notes <> '';

-- "The same number": both calls have remote_e164 and it is equal, or neither
-- has one and the raw numbers are equal. An unknown (empty) number matches
-- nothing: anonymous callers cannot be called back.
--
-- The lookups name their index (INDEXED BY, allowed in a trigger's
-- subqueries): left to itself the planner may walk calls_result over every
-- missed call ever recorded, making each answered call cost O(history).
-- With INDEXED BY a plan is fixed, and a schema change that breaks it fails
-- loudly instead of slowly.
--
-- An answered call (answered_at set; an interrupted call that was answered
-- counts, the conversation happened) calls back every still-open missed
-- incoming call from the same number that started before it.
CREATE TRIGGER calls_callback_by_answer
AFTER UPDATE OF answered_at, started_at, remote_e164, remote_number ON calls
WHEN new.answered_at IS NOT NULL AND (new.remote_e164 <> '' OR new.remote_number <> '')
BEGIN
    UPDATE calls SET called_back_at = new.answered_at WHERE new.remote_e164 <> '' AND rowid IN (
        SELECT rowid FROM calls AS open INDEXED BY calls_missed_open
        WHERE open.remote_e164 = new.remote_e164
          AND open.direction = 'in' AND open.result = 'missed' AND open.called_back_at IS NULL
          AND open.started_at < new.started_at);
    UPDATE calls SET called_back_at = new.answered_at WHERE new.remote_e164 = '' AND rowid IN (
        SELECT rowid FROM calls AS open INDEXED BY calls_missed_open
        WHERE open.remote_e164 = '' AND open.remote_number = new.remote_number
          AND open.direction = 'in' AND open.result = 'missed' AND open.called_back_at IS NULL
          AND open.started_at < new.started_at);
END;

CREATE TRIGGER calls_callback_by_answer_insert
AFTER INSERT ON calls
WHEN new.answered_at IS NOT NULL AND (new.remote_e164 <> '' OR new.remote_number <> '')
BEGIN
    UPDATE calls SET called_back_at = new.answered_at WHERE new.remote_e164 <> '' AND rowid IN (
        SELECT rowid FROM calls AS open INDEXED BY calls_missed_open
        WHERE open.remote_e164 = new.remote_e164
          AND open.direction = 'in' AND open.result = 'missed' AND open.called_back_at IS NULL
          AND open.started_at < new.started_at);
    UPDATE calls SET called_back_at = new.answered_at WHERE new.remote_e164 = '' AND rowid IN (
        SELECT rowid FROM calls AS open INDEXED BY calls_missed_open
        WHERE open.remote_e164 = '' AND open.remote_number = new.remote_number
          AND open.direction = 'in' AND open.result = 'missed' AND open.called_back_at IS NULL
          AND open.started_at < new.started_at);
END;

-- A call that becomes missed may already have been called back: two lines
-- ring at once, or events arrive late. Look for an answered call from the
-- same number that started after it.
CREATE TRIGGER calls_callback_of_missed
AFTER UPDATE OF result, direction, started_at, remote_e164, remote_number ON calls
WHEN new.direction = 'in' AND new.result = 'missed'
BEGIN
    UPDATE calls SET called_back_at = CASE
        WHEN new.remote_e164 <> '' THEN (
            SELECT min(later.answered_at) FROM calls AS later INDEXED BY calls_e164
            WHERE later.remote_e164 = new.remote_e164 AND later.remote_e164 <> '' AND later.started_at > new.started_at)
        WHEN new.remote_number <> '' THEN (
            SELECT min(later.answered_at) FROM calls AS later INDEXED BY calls_remote_number
            WHERE later.remote_number = new.remote_number AND later.remote_e164 = '' AND later.started_at > new.started_at)
        END
    WHERE rowid = new.rowid;
END;

CREATE TRIGGER calls_callback_of_missed_insert
AFTER INSERT ON calls
WHEN new.direction = 'in' AND new.result = 'missed'
BEGIN
    UPDATE calls SET called_back_at = CASE
        WHEN new.remote_e164 <> '' THEN (
            SELECT min(later.answered_at) FROM calls AS later INDEXED BY calls_e164
            WHERE later.remote_e164 = new.remote_e164 AND later.remote_e164 <> '' AND later.started_at > new.started_at)
        WHEN new.remote_number <> '' THEN (
            SELECT min(later.answered_at) FROM calls AS later INDEXED BY calls_remote_number
            WHERE later.remote_number = new.remote_number AND later.remote_e164 = '' AND later.started_at > new.started_at)
        END
    WHERE rowid = new.rowid;
END;

-- Calls recorded before this migration: their numbers are not normalised
-- yet, so they match raw (the triggers do the same from now on).
UPDATE calls SET called_back_at = (
    SELECT min(later.answered_at) FROM calls AS later INDEXED BY calls_remote_number
    WHERE later.remote_number = calls.remote_number AND later.remote_e164 = ''
      AND later.started_at > calls.started_at)
WHERE direction = 'in' AND result = 'missed' AND remote_number <> '';

-- Tags: one row per (call, tag), so "calls tagged X" is an index range. The
-- call's start time is copied in (and kept by the trigger) so that range
-- comes out newest first, a page at a time, however many calls carry the tag.
CREATE TABLE call_tags (
    call_id    TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    tag        TEXT NOT NULL,
    started_at INTEGER,
    PRIMARY KEY (call_id, tag)
) WITHOUT ROWID;
CREATE INDEX call_tags_tag ON call_tags (tag, started_at);

CREATE TRIGGER calls_tags_started AFTER UPDATE OF started_at ON calls
BEGIN
    UPDATE call_tags SET started_at = new.started_at WHERE call_id = new.id;
END;

-- Statistics rollup: per UTC quarter hour, the sums the statistics need,
-- for all calls (dim '') and per value of each breakdown. A 30-day report
-- then reads a few thousand rows instead of every call; quarter hours,
-- because every time zone's offset is a multiple of 15 minutes, so local
-- days and hours are unions of whole quarters in any zone.
--
-- Only finished calls (result <> '') count: a live call has no outcome yet,
-- and counting it at the end keeps the triggers off the path of the
-- ringing/answer/heartbeat writes. A later change to a finished call (a
-- disposition set after hang-up, a missed call called back) moves its
-- contribution: subtract the old row, add the new. The WHEN clause skips
-- updates that name a column without changing it (the call-back triggers
-- set called_back_at on rows where it may stay NULL).
CREATE TABLE call_stats (
    dim         TEXT    NOT NULL, -- '' (all calls), 'account', 'line', 'operator', 'disposition'
    value       TEXT    NOT NULL, -- the breakdown's value; '' for dim ''
    quarter     INTEGER NOT NULL, -- started_at / 900000
    calls       INTEGER NOT NULL,
    answered    INTEGER NOT NULL, -- answered_at set
    missed      INTEGER NOT NULL, -- incoming, result missed
    open_missed INTEGER NOT NULL, -- of those, not called back (called_back_at NULL)
    rang        INTEGER NOT NULL, -- ringing_at set
    ring_ms     INTEGER NOT NULL,
    talk_ms     INTEGER NOT NULL,
    PRIMARY KEY (dim, value, quarter)
) WITHOUT ROWID;

CREATE TRIGGER calls_stats_insert AFTER INSERT ON calls
WHEN new.result <> '' AND new.started_at IS NOT NULL
BEGIN
    INSERT INTO call_stats (dim, value, quarter, calls, answered, missed, open_missed, rang, ring_ms, talk_ms)
    SELECT dim, value, new.started_at / 900000, 1, new.answered_at IS NOT NULL,
           new.direction = 'in' AND new.result = 'missed',
           new.direction = 'in' AND new.result = 'missed' AND new.called_back_at IS NULL,
           new.ringing_at IS NOT NULL, new.ring_ms, new.talk_ms
    FROM (SELECT '' AS dim, '' AS value UNION ALL SELECT 'account', new.account UNION ALL SELECT 'line', new.dialled_line
          UNION ALL SELECT 'operator', new.operator UNION ALL SELECT 'disposition', new.disposition)
    WHERE true
    ON CONFLICT (dim, value, quarter) DO UPDATE SET
        calls = calls + excluded.calls, answered = answered + excluded.answered, missed = missed + excluded.missed,
        open_missed = open_missed + excluded.open_missed, rang = rang + excluded.rang,
        ring_ms = ring_ms + excluded.ring_ms, talk_ms = talk_ms + excluded.talk_ms;
END;

CREATE TRIGGER calls_stats_update
AFTER UPDATE OF started_at, direction, result, ringing_at, answered_at, ended_at,
                account, dialled_line, operator, disposition, called_back_at ON calls
WHEN (old.result <> '' OR new.result <> '') AND (
    old.started_at IS NOT new.started_at OR old.direction IS NOT new.direction OR old.result IS NOT new.result
    OR old.ringing_at IS NOT new.ringing_at OR old.answered_at IS NOT new.answered_at OR old.ended_at IS NOT new.ended_at
    OR old.account IS NOT new.account OR old.dialled_line IS NOT new.dialled_line OR old.operator IS NOT new.operator
    OR old.disposition IS NOT new.disposition OR old.called_back_at IS NOT new.called_back_at)
BEGIN
    INSERT INTO call_stats (dim, value, quarter, calls, answered, missed, open_missed, rang, ring_ms, talk_ms)
    SELECT dim, value, old.started_at / 900000, -1, -(old.answered_at IS NOT NULL),
           -(old.direction = 'in' AND old.result = 'missed'),
           -(old.direction = 'in' AND old.result = 'missed' AND old.called_back_at IS NULL),
           -(old.ringing_at IS NOT NULL), -old.ring_ms, -old.talk_ms
    FROM (SELECT '' AS dim, '' AS value UNION ALL SELECT 'account', old.account UNION ALL SELECT 'line', old.dialled_line
          UNION ALL SELECT 'operator', old.operator UNION ALL SELECT 'disposition', old.disposition)
    WHERE old.result <> '' AND old.started_at IS NOT NULL
    ON CONFLICT (dim, value, quarter) DO UPDATE SET
        calls = calls + excluded.calls, answered = answered + excluded.answered, missed = missed + excluded.missed,
        open_missed = open_missed + excluded.open_missed, rang = rang + excluded.rang,
        ring_ms = ring_ms + excluded.ring_ms, talk_ms = talk_ms + excluded.talk_ms;
    INSERT INTO call_stats (dim, value, quarter, calls, answered, missed, open_missed, rang, ring_ms, talk_ms)
    SELECT dim, value, new.started_at / 900000, 1, new.answered_at IS NOT NULL,
           new.direction = 'in' AND new.result = 'missed',
           new.direction = 'in' AND new.result = 'missed' AND new.called_back_at IS NULL,
           new.ringing_at IS NOT NULL, new.ring_ms, new.talk_ms
    FROM (SELECT '' AS dim, '' AS value UNION ALL SELECT 'account', new.account UNION ALL SELECT 'line', new.dialled_line
          UNION ALL SELECT 'operator', new.operator UNION ALL SELECT 'disposition', new.disposition)
    WHERE new.result <> '' AND new.started_at IS NOT NULL
    ON CONFLICT (dim, value, quarter) DO UPDATE SET
        calls = calls + excluded.calls, answered = answered + excluded.answered, missed = missed + excluded.missed,
        open_missed = open_missed + excluded.open_missed, rang = rang + excluded.rang,
        ring_ms = ring_ms + excluded.ring_ms, talk_ms = talk_ms + excluded.talk_ms;
END;

CREATE TRIGGER calls_stats_delete AFTER DELETE ON calls
WHEN old.result <> '' AND old.started_at IS NOT NULL
BEGIN
    INSERT INTO call_stats (dim, value, quarter, calls, answered, missed, open_missed, rang, ring_ms, talk_ms)
    SELECT dim, value, old.started_at / 900000, -1, -(old.answered_at IS NOT NULL),
           -(old.direction = 'in' AND old.result = 'missed'),
           -(old.direction = 'in' AND old.result = 'missed' AND old.called_back_at IS NULL),
           -(old.ringing_at IS NOT NULL), -old.ring_ms, -old.talk_ms
    FROM (SELECT '' AS dim, '' AS value UNION ALL SELECT 'account', old.account UNION ALL SELECT 'line', old.dialled_line
          UNION ALL SELECT 'operator', old.operator UNION ALL SELECT 'disposition', old.disposition)
    WHERE true
    ON CONFLICT (dim, value, quarter) DO UPDATE SET
        calls = calls + excluded.calls, answered = answered + excluded.answered, missed = missed + excluded.missed,
        open_missed = open_missed + excluded.open_missed, rang = rang + excluded.rang,
        ring_ms = ring_ms + excluded.ring_ms, talk_ms = talk_ms + excluded.talk_ms;
END;

-- The calls recorded before this migration.
INSERT INTO call_stats (dim, value, quarter, calls, answered, missed, open_missed, rang, ring_ms, talk_ms)
SELECT dims.dim,
       CASE dims.dim WHEN 'account' THEN account WHEN 'line' THEN dialled_line
                     WHEN 'operator' THEN operator WHEN 'disposition' THEN disposition ELSE '' END,
       started_at / 900000,
       count(*), sum(answered_at IS NOT NULL), sum(direction = 'in' AND result = 'missed'),
       sum(direction = 'in' AND result = 'missed' AND called_back_at IS NULL),
       sum(ringing_at IS NOT NULL), sum(ring_ms), sum(talk_ms)
FROM calls
CROSS JOIN (SELECT '' AS dim UNION ALL SELECT 'account' UNION ALL SELECT 'line'
            UNION ALL SELECT 'operator' UNION ALL SELECT 'disposition') AS dims
WHERE result <> '' AND started_at IS NOT NULL
GROUP BY 1, 2, 3;

-- Substring search in notes. The trigram tokenizer matches any substring of
-- three or more characters, case-insensitively; the history repository falls
-- back to LIKE for shorter needles. External content: the text lives only in
-- calls.notes, the index is kept by the triggers.
--
-- The index refers to calls by rowid. calls has no INTEGER PRIMARY KEY, so a
-- VACUUM may renumber its rows; after one, rebuild the index with
-- INSERT INTO call_notes (call_notes) VALUES ('rebuild') (history.Repo
-- RebuildNotesIndex).
CREATE VIRTUAL TABLE call_notes USING fts5 (notes, content = 'calls', tokenize = 'trigram');

CREATE TRIGGER calls_notes_insert AFTER INSERT ON calls WHEN new.notes <> ''
BEGIN
    INSERT INTO call_notes (rowid, notes) VALUES (new.rowid, new.notes);
END;

CREATE TRIGGER calls_notes_update AFTER UPDATE OF notes ON calls
BEGIN
    INSERT INTO call_notes (call_notes, rowid, notes) SELECT 'delete', old.rowid, old.notes WHERE old.notes <> '';
    INSERT INTO call_notes (rowid, notes) SELECT new.rowid, new.notes WHERE new.notes <> '';
END;

CREATE TRIGGER calls_notes_delete AFTER DELETE ON calls WHEN old.notes <> ''
BEGIN
    INSERT INTO call_notes (call_notes, rowid, notes) VALUES ('delete', old.rowid, old.notes);
END;
