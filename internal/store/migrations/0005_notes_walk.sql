-- A search for common words in the notes ("invoice") matches so many calls
-- that collecting every match from the full-text index and sorting it
-- takes far too long for a first page. Walking the calls that have notes,
-- newest first, finds a page within a few hundred entries instead; this
-- index carries the notes, so the walk never reads the table. Calls
-- without notes (most of them) are not in it.
CREATE INDEX calls_notes_walk ON calls (started_at, notes) WHERE notes <> '';
