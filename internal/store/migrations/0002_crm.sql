-- Local CRM: operators, companies, contacts and their numbers, cases (deals,
-- leads, orders), callback tasks, the blacklist, and the CRM's own index of
-- the calls table. All SQL for these tables lives in package crm.
--
-- Conventions as in 0001: times are INTEGER unix milliseconds (UTC), NULL
-- only where "not set" differs from any time; text is NOT NULL DEFAULT ''.
-- Vocabularies (kinds, statuses, labels) are checked in Go, not by CHECK
-- constraints, because they come from configuration and change.
--
-- Every phone number is stored three ways: raw (as typed or received),
-- number_key (E.164 for valid numbers, digits for internal extensions and
-- unparsed numbers) for exact look-ups, and digits_rev (the key's digits
-- back to front) so that "ends with these N digits" is an index range scan.

-- The people using this console. Other tables name operators by name rather
-- than by a foreign key: the current operator comes from configuration and
-- "auto" (created by a policy) is not an operator at all.
CREATE TABLE operators (
    name       TEXT    PRIMARY KEY NOT NULL,
    extension  TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);

CREATE TABLE companies (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    name_fold  TEXT    NOT NULL, -- case-folded in Go: SQLite's lower() knows only ASCII
    notes      TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX companies_name_fold ON companies (name_fold);

CREATE TABLE contacts (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    name_fold   TEXT    NOT NULL,
    company_id  INTEGER REFERENCES companies (id) ON DELETE SET NULL,
    email       TEXT    NOT NULL DEFAULT '',
    notes       TEXT    NOT NULL DEFAULT '',
    time_zone   TEXT    NOT NULL DEFAULT '', -- IANA name; '' = from the number
    responsible TEXT    NOT NULL DEFAULT '', -- operator name
    source_line TEXT    NOT NULL DEFAULT '', -- the line (DID) of the first call
    created_by  TEXT    NOT NULL DEFAULT '', -- operator name or 'auto'
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX contacts_company ON contacts (company_id);

CREATE TABLE contact_numbers (
    id         INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    label      TEXT    NOT NULL DEFAULT '', -- '', 'mobile', 'work', 'second' …
    raw        TEXT    NOT NULL,
    number_key TEXT    NOT NULL,
    kind       TEXT    NOT NULL,            -- e164 | internal | unparsed
    digits_rev TEXT    NOT NULL,
    extension  TEXT    NOT NULL DEFAULT '',
    position   INTEGER NOT NULL DEFAULT 0,  -- display order within the contact
    UNIQUE (contact_id, number_key)
);
CREATE INDEX contact_numbers_key ON contact_numbers (number_key);
CREATE INDEX contact_numbers_digits_rev ON contact_numbers (digits_rev);

-- No index by tag yet: nothing filters by tag, and every index costs a
-- million-row import another B-tree insert per row. Add one with the filter.
CREATE TABLE contact_tags (
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    tag        TEXT    NOT NULL,
    PRIMARY KEY (contact_id, tag)
) WITHOUT ROWID;

-- Deals, leads and orders. state is derived from status when it is written
-- (each configured status is open, won or lost) so that "open cases" is a
-- plain indexed filter; changing a status's meaning in the configuration
-- does not rewrite old rows.
CREATE TABLE cases (
    id             INTEGER PRIMARY KEY,
    kind           TEXT    NOT NULL,
    title          TEXT    NOT NULL DEFAULT '',
    status         TEXT    NOT NULL,
    state          TEXT    NOT NULL,            -- open | won | lost
    amount_minor   INTEGER NOT NULL DEFAULT 0,  -- amount due in minor units (kopecks, cents)
    currency       TEXT    NOT NULL DEFAULT '', -- ISO 4217
    contact_id     INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    number_raw     TEXT    NOT NULL DEFAULT '', -- for a case about a number with no contact yet
    number_key     TEXT    NOT NULL DEFAULT '',
    responsible    TEXT    NOT NULL DEFAULT '',
    product        TEXT    NOT NULL DEFAULT '', -- device/product, free text
    comment        TEXT    NOT NULL DEFAULT '',
    source_call_id TEXT    NOT NULL DEFAULT '',
    created_by     TEXT    NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    closed_at      INTEGER
);
CREATE INDEX cases_contact_state ON cases (contact_id, state, updated_at);
CREATE INDEX cases_number_key ON cases (number_key);
CREATE INDEX cases_state_updated ON cases (state, updated_at);

-- Callback reminders and follow-ups. notified_at is set in the same
-- transaction that claims a due task for the task.due event, so the event
-- is raised once even across crashes and restarts; snoozing clears it.
CREATE TABLE tasks (
    id             INTEGER PRIMARY KEY,
    kind           TEXT    NOT NULL DEFAULT 'callback', -- callback | follow_up
    due_at         INTEGER NOT NULL,
    contact_id     INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    case_id        INTEGER REFERENCES cases (id) ON DELETE SET NULL,
    number_raw     TEXT    NOT NULL DEFAULT '',
    number_key     TEXT    NOT NULL DEFAULT '',
    source_call_id TEXT    NOT NULL DEFAULT '',
    note           TEXT    NOT NULL DEFAULT '',
    assignee       TEXT    NOT NULL DEFAULT '',
    status         TEXT    NOT NULL DEFAULT 'open', -- open | done | cancelled
    notified_at    INTEGER,
    created_by     TEXT    NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    closed_at      INTEGER
);
CREATE INDEX tasks_status_due ON tasks (status, due_at);
-- The due watcher's query: only open, not yet announced tasks are indexed.
-- (Partial indexes are kept to conditions on constants: one whose use
-- depends on a bound value makes SQLite recompile the statement per call.)
CREATE INDEX tasks_pending_due ON tasks (due_at) WHERE status = 'open' AND notified_at IS NULL;
CREATE INDEX tasks_contact ON tasks (contact_id);
CREATE INDEX tasks_number_key ON tasks (number_key);

CREATE TABLE task_snoozes (
    id          INTEGER PRIMARY KEY,
    task_id     INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    from_due_at INTEGER NOT NULL,
    to_due_at   INTEGER NOT NULL,
    snoozed_at  INTEGER NOT NULL,
    operator    TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX task_snoozes_task ON task_snoozes (task_id);

-- Calls placed from a task ("call back"), so the UI can offer to close the
-- task when that call ends.
CREATE TABLE task_calls (
    call_id   TEXT    PRIMARY KEY NOT NULL,
    task_id   INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    linked_at INTEGER NOT NULL
);
CREATE INDEX task_calls_task ON task_calls (task_id);

-- Numbers or prefixes whose calls are refused. match_key is the normalised
-- number (exact entries) or the international prefix (prefix entries).
CREATE TABLE blacklist (
    id         INTEGER PRIMARY KEY,
    pattern    TEXT    NOT NULL, -- as entered
    match_key  TEXT    NOT NULL,
    is_prefix  INTEGER NOT NULL DEFAULT 0,
    reason     TEXT    NOT NULL DEFAULT '',
    expires_at INTEGER,          -- NULL = never
    created_by TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    UNIQUE (match_key, is_prefix)
);

-- The CRM's index of the calls table (0001), which stores the remote number
-- only raw. Filled when policies run at call end and by a backfill of calls
-- recorded while the CRM was not looking. No foreign key to calls: the CRM
-- may index a call before the history row is committed, and a look-up joins
-- anyway. contact_id is the contact the call is linked to (set when the
-- number is known, or later when it is added to a contact).
CREATE TABLE call_numbers (
    call_id    TEXT    PRIMARY KEY NOT NULL,
    number_key TEXT    NOT NULL,
    digits_rev TEXT    NOT NULL,
    contact_id INTEGER REFERENCES contacts (id) ON DELETE SET NULL
);
CREATE INDEX call_numbers_key ON call_numbers (number_key);
CREATE INDEX call_numbers_contact ON call_numbers (contact_id);

-- One row per call whose end-of-call policies ran: what they did. Its
-- presence makes ApplyCallPolicies idempotent per call id.
CREATE TABLE call_policy_runs (
    call_id         TEXT    PRIMARY KEY NOT NULL,
    applied_at      INTEGER NOT NULL,
    known           INTEGER NOT NULL DEFAULT 0,
    contact_id      INTEGER NOT NULL DEFAULT 0,
    contact_created INTEGER NOT NULL DEFAULT 0,
    case_id         INTEGER NOT NULL DEFAULT 0,
    case_created    INTEGER NOT NULL DEFAULT 0,
    task_id         INTEGER NOT NULL DEFAULT 0,
    task_created    INTEGER NOT NULL DEFAULT 0,
    skipped         TEXT    NOT NULL DEFAULT '' -- why nothing was done, if so
);

-- Small key/value state of the CRM itself (the calls backfill watermark).
CREATE TABLE crm_state (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) WITHOUT ROWID;
