package history

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// Keyset pagination: a page continues after the last row of the previous
// one, identified by its sort key and rowid, instead of skipping N rows
// (OFFSET). That costs the same on page 1000 as on page 1, and calls
// recorded while the user pages (new calls sort before the cursor, or
// anywhere when imported) can never make a row appear twice or be skipped.
//
// Rows with an unknown start time (NULL started_at) sort after all others
// newest-first and before them oldest-first, as in Recent; they form a
// second section of the listing, ordered by rowid alone.

// section is a run of rows the keyset walks in one query.
type section int

const (
	keyedSection section = iota // sort key known
	nullSection                 // start time unknown
)

// cursor is the decoded position after the last row of a page.
type cursor struct {
	sort    Sort
	section section
	key     int64 // sort key of the last row (keyedSection only)
	rowid   int64
}

const cursorVersion = "c1"

// encode makes the cursor opaque: callers store and return it, nothing more.
func (c cursor) encode() string {
	plain := strings.Join([]string{cursorVersion, string(c.sort), strconv.Itoa(int(c.section)),
		strconv.FormatInt(c.key, 10), strconv.FormatInt(c.rowid, 10)}, ".")
	return base64.RawURLEncoding.EncodeToString([]byte(plain))
}

func decodeCursor(encoded string, sort Sort) (cursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(encoded)
	if err != nil {
		return cursor{}, fmt.Errorf("%w: %w", ErrBadCursor, err)
	}
	parts := strings.Split(string(raw), ".")
	if len(parts) != 5 || parts[0] != cursorVersion {
		return cursor{}, fmt.Errorf("%w: unknown format", ErrBadCursor)
	}
	if Sort(parts[1]) != sort {
		return cursor{}, fmt.Errorf("%w: made for sort %q, not %q", ErrBadCursor, parts[1], sort)
	}
	sec, errSection := strconv.Atoi(parts[2])
	key, errKey := strconv.ParseInt(parts[3], 10, 64)
	rowid, errRowid := strconv.ParseInt(parts[4], 10, 64)
	if errSection != nil || errKey != nil || errRowid != nil || (section(sec) != keyedSection && section(sec) != nullSection) {
		return cursor{}, fmt.Errorf("%w: damaged", ErrBadCursor)
	}
	return cursor{sort: sort, section: section(sec), key: key, rowid: rowid}, nil
}

// ordering describes how one Sort walks the table.
type ordering struct {
	column     string // sort key column of calls
	descending bool
	sections   []section // in walking order
}

func orderingOf(sort Sort) (ordering, error) {
	switch sort {
	case SortNewest:
		return ordering{"started_at", true, []section{keyedSection, nullSection}}, nil
	case SortOldest:
		return ordering{"started_at", false, []section{nullSection, keyedSection}}, nil
	case SortLongest:
		return ordering{"talk_ms", true, []section{keyedSection}}, nil // talk_ms is never NULL
	case SortShortest:
		return ordering{"talk_ms", false, []section{keyedSection}}, nil
	}
	return ordering{}, fmt.Errorf("%w: unknown sort %q", ErrInvalidFilter, sort)
}

// sortKey is the value of the ordering column for a call, computed the way
// the database does (talk_ms follows Call.TalkTime; both are exact to the
// millisecond stored).
func (o ordering) sortKey(call Call) int64 {
	if o.column == "talk_ms" {
		return call.TalkTime().Milliseconds()
	}
	return call.StartedAt.UnixMilli()
}

// listQuery is a listing's SQL before pagination.
type listQuery struct {
	order  ordering
	from   string // FROM clause
	keyCol string // qualified sort key column
	where  condition
	// pageFirst: find the page's rowids in an inner query, then read only
	// those rows. For a walk that must sort its matches, and whose index
	// holds the sort key, this reads a page of rows instead of every match.
	pageFirst bool
}

// tagDrivenFrom walks a tag's calls newest first through call_tags_tag
// (tag, started_at). CROSS JOIN fixes call_tags as the outer loop; the
// order's rowid tie-break is sorted only among calls started in the same
// millisecond.
const tagDrivenFrom = "call_tags AS tagged CROSS JOIN calls ON calls.id = tagged.call_id"

func buildListQuery(filter Filter, sort Sort) (listQuery, error) {
	order, err := orderingOf(sort)
	if err != nil {
		return listQuery{}, err
	}
	selective := filter.selective()
	tag, err := filter.tag()
	if err != nil {
		return listQuery{}, err
	}
	// A duration sort has its own index (calls_talk); walk it unless the
	// filter is selective.
	where, err := filter.where(order.column == "talk_ms" && !selective)
	if err != nil {
		return listQuery{}, err
	}
	query := listQuery{order: order, from: "calls", keyCol: "calls." + order.column, where: where}
	if len(reversedDigits(filter.Number)) >= minIndexedSuffix && filter.E164 == "" && filter.ContactID == 0 &&
		tag == "" && strings.TrimSpace(filter.NotesText) == "" {
		// Left to itself the planner walks the sort's index (it needs no
		// sort), testing every call's number: half the history for a
		// rare suffix. The suffix range is far smaller; sort that, from
		// the index, which carries started_at.
		query.from = "calls INDEXED BY calls_number_rev"
		query.pageFirst = order.column == "started_at"
	}
	if filter.commonNotes && order.column == "started_at" && tag == "" {
		// Walk the calls with notes in time order; their notes are in the
		// index, so a page costs a few hundred index entries.
		query.from = "calls INDEXED BY calls_notes_walk"
		query.pageFirst = true
	}
	if tag != "" {
		// Another selective filter has an index that finds fewer calls
		// than the tag's; leave the choice to the planner then.
		withoutTag := filter
		withoutTag.Tag = ""
		if order.column == "started_at" && !withoutTag.selective() {
			query.from, query.keyCol = tagDrivenFrom, "tagged.started_at"
			query.where.add("tagged.tag = ?", tag)
		} else {
			query.where.add("calls.id IN (SELECT call_id FROM call_tags WHERE tag = ?)", tag)
		}
	}
	return query, nil
}

// sectionQuery returns the statement for one section, resuming after c when
// c is in that section.
func (q listQuery) sectionQuery(sec section, after *cursor, limit int) (string, []any) {
	cond := condition{terms: append([]string(nil), q.where.terms...), args: append([]any(nil), q.where.args...)}
	direction, beyond := "ASC", ">"
	if q.order.descending {
		direction, beyond = "DESC", "<"
	}
	var order string
	if sec == nullSection {
		cond.add(q.keyCol + " IS NULL")
		if after != nil {
			cond.add("calls.rowid "+beyond+" ?", after.rowid)
		}
		order = "calls.rowid " + direction
	} else {
		if q.order.column == "started_at" {
			cond.add(q.keyCol + " IS NOT NULL")
		}
		if after != nil {
			// The first term is a plain range the index can seek to; the
			// second only settles ties within the cursor's key.
			cond.add(fmt.Sprintf("%[1]s %[2]s= ? AND (%[1]s %[2]s ? OR calls.rowid %[2]s ?)", q.keyCol, beyond),
				after.key, after.key, after.rowid)
		}
		order = q.keyCol + " " + direction + ", calls.rowid " + direction
	}
	cond.args = append(cond.args, limit)
	if q.pageFirst {
		return "SELECT " + callSelectList + " FROM calls WHERE calls.rowid IN (SELECT calls.rowid FROM " + q.from +
			" WHERE " + cond.sql() + " ORDER BY " + order + " LIMIT ?) ORDER BY " + order, cond.args
	}
	return "SELECT " + callSelectList + " FROM " + q.from + " WHERE " + cond.sql() + " ORDER BY " + order + " LIMIT ?", cond.args
}

// List returns one page of the calls matching the filter, and the cursor
// for the next page ("" when this is the last one). The cursor only works
// with the same filter and sort; a cursor from another sort, or a damaged
// one, gives ErrBadCursor.
func (r *Repo) List(ctx context.Context, filter Filter, page Page) ([]Call, string, error) {
	calls, next, err := r.list(ctx, filter, page)
	if err != nil {
		return nil, "", fmt.Errorf("history: list calls: %w", err)
	}
	return calls, next, nil
}

// ContactHistory lists the calls linked to one contact, newest first unless
// page says otherwise.
func (r *Repo) ContactHistory(ctx context.Context, contactID int64, page Page) ([]Call, string, error) {
	if contactID <= 0 {
		return nil, "", fmt.Errorf("history: contact history: %w: contact id %d", ErrInvalidFilter, contactID)
	}
	calls, next, err := r.list(ctx, Filter{ContactID: contactID}, page)
	if err != nil {
		return nil, "", fmt.Errorf("history: contact %d history: %w", contactID, err)
	}
	return calls, next, nil
}

func (r *Repo) list(ctx context.Context, filter Filter, page Page) (_ []Call, _ string, err error) {
	size := page.Size
	if size == 0 {
		size = DefaultPageSize
	}
	if size < 0 || size > MaxPageSize {
		return nil, "", fmt.Errorf("%w: page size %d, want 1-%d", ErrInvalidFilter, page.Size, MaxPageSize)
	}
	if filter.commonNotes, err = r.notesAreCommon(ctx, filter); err != nil {
		return nil, "", err
	}
	query, err := buildListQuery(filter, page.Sort)
	if err != nil {
		return nil, "", err
	}
	var after *cursor
	if page.Cursor != "" {
		decoded, err := decodeCursor(page.Cursor, page.Sort)
		if err != nil {
			return nil, "", err
		}
		after = &decoded
	}
	// A period excludes unknown start times; skip that query.
	skipNull := !filter.From.IsZero() || !filter.Until.IsZero()

	type listed struct {
		call  Call
		rowid int64
		sec   section
	}
	// One row more than a page tells whether another page follows.
	rows := make([]listed, 0, size+1)
	started := after == nil
	for _, sec := range query.order.sections {
		if !started && sec != after.section {
			continue // the cursor is past this section
		}
		resume := after
		if started {
			resume = nil
		}
		started = true
		if sec == nullSection && skipNull {
			continue
		}
		statement, args := query.sectionQuery(sec, resume, size+1-len(rows))
		err := r.queryCalls(ctx, statement, args, func(call Call, rowid int64) {
			rows = append(rows, listed{call, rowid, sec})
		})
		if err != nil {
			return nil, "", err
		}
		if len(rows) > size {
			break
		}
	}

	next := ""
	if len(rows) > size {
		last := rows[size-1]
		next = cursor{sort: page.Sort, section: last.sec, key: query.order.sortKey(last.call), rowid: last.rowid}.encode()
		rows = rows[:size]
	}
	calls := make([]Call, len(rows))
	for i, row := range rows {
		calls[i] = row.call
	}
	return calls, next, nil
}

// defaultCommonNotesAt: a notes search matching this many calls is
// common. Collecting and sorting every match costs as much as there are
// matches; walking the calls with notes newest first (calls_notes_walk)
// meets a page of a common word within a few hundred entries. The count
// itself stops at this cap, so deciding costs little.
const defaultCommonNotesAt = 300

// countNotesSQL counts matches only up to a cap: FTS5 evaluates a phrase
// incrementally, so the probe costs at most the cap.
const countNotesSQL = `SELECT count(*) FROM (SELECT 1 FROM call_notes WHERE call_notes MATCH ? LIMIT ?)`

// notesAreCommon tells whether the filter's notes search matches so many
// calls that walking the calls in order beats sorting every match. Another
// selective filter (a number, a contact, a tag) already narrows the calls,
// and then the question does not arise.
func (r *Repo) notesAreCommon(ctx context.Context, filter Filter) (bool, error) {
	phrase := filter.notesSearch()
	if phrase == "" {
		return false, nil
	}
	withoutNotes := filter
	withoutNotes.NotesText = ""
	if withoutNotes.selective() {
		return false, nil
	}
	var matches int
	if err := r.stmts.queryRow(ctx, countNotesSQL, phrase, r.commonNotesAt).Scan(&matches); err != nil {
		return false, fmt.Errorf("count notes matches: %w", err)
	}
	return matches >= r.commonNotesAt, nil
}

// queryCalls runs a selectCallSQL query and hands each row to add.
func (r *Repo) queryCalls(ctx context.Context, query string, args []any, add func(Call, int64)) error {
	rows, err := r.stmts.query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		call, rowid, err := scanCall(rows)
		if err != nil {
			return err
		}
		add(call, rowid)
	}
	return rows.Err()
}
