package history

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"
)

// explain returns the query plan as one line.
func explain(t *testing.T, db *sql.DB, query string, args ...any) string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatalf("explain %s: %v", query, err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, " | ")
}

// TestQueryPlans pins the plan of each kind of listing: the index it walks
// and whether it has to sort. SQLite plans these without statistics (the
// store never runs ANALYZE), so an empty database plans exactly as a large
// one; a schema or query change that loses an index fails here rather than
// turning a 1 ms page into a table scan at ten million calls.
func TestQueryPlans(t *testing.T) {
	_, db := openTestRepo(t)
	yes := true
	from := baseTime()
	cases := []struct {
		name   string
		filter Filter
		sort   Sort
		index  string
		sorted bool // needs a sort step (collects the matches first)
	}{
		{"all", Filter{}, SortNewest, "calls_started_at", false},
		{"direction", Filter{Direction: DirectionIn}, SortOldest, "calls_started_at", false},
		{"one result", Filter{Results: []string{ResultMissed}}, SortNewest, "calls_result", false},
		{"several results", Filter{Results: []string{ResultBusy, ResultNoAnswer}}, SortNewest, "calls_started_at", false},
		{"e164", Filter{E164: "+4930"}, SortNewest, "calls_e164", false},
		{"suffix", Filter{Number: "4567"}, SortNewest, "COVERING INDEX calls_number_rev", true},
		{"short suffix", Filter{Number: "67"}, SortNewest, "calls_started_at", false},
		{"contact", Filter{ContactID: 5}, SortNewest, "calls_contact", false},
		{"operator", Filter{Operator: "anna"}, SortNewest, "calls_operator", false},
		{"operator, result, period", Filter{Operator: "anna", Results: []string{ResultAnswered}, From: from}, SortNewest, "calls_operator", false},
		{"dialled line", Filter{DialledLine: "+4930"}, SortNewest, "calls_line", false},
		{"period", Filter{From: from, Until: from.Add(time.Hour), Direction: DirectionOut}, SortNewest, "calls_started_at", false},
		{"recording", Filter{HasRecording: &yes}, SortNewest, "calls_recording", false},
		{"disposition", Filter{Disposition: "sale"}, SortNewest, "calls_disposition", false},
		{"notes", Filter{NotesText: "invoice"}, SortNewest, "call_notes", true},
		{"short notes", Filter{NotesText: "in"}, SortNewest, "calls_noted", false},
		{"tag", Filter{Tag: "vip"}, SortNewest, "call_tags_tag (tag=? AND started_at", false},
		{"longest", Filter{}, SortLongest, "calls_talk", false},
		{"longest of an operator", Filter{Operator: "anna"}, SortLongest, "calls_talk", false},
		{"longest of a contact", Filter{ContactID: 5}, SortLongest, "calls_contact", true},
	}
	for _, tc := range cases {
		query, err := buildListQuery(tc.filter, tc.sort)
		if err != nil {
			t.Fatal(err)
		}
		statement, args := query.sectionQuery(keyedSection, &cursor{sort: tc.sort, key: 5, rowid: 7}, 51)
		plan := explain(t, db.SQL(), statement, args...)
		sorts := strings.Contains(plan, "TEMP B-TREE FOR ORDER BY")
		if !strings.Contains(plan, tc.index) || strings.Contains(plan, "SCAN calls") || sorts != tc.sorted {
			t.Errorf("%s: plan %q\n want index %q, sort step %v, no scan of calls", tc.name, plan, tc.index, tc.sorted)
		}
	}

	others := map[string]struct {
		query string
		args  []any
		want  string
	}{
		"to-do walk":       {missedOpenWalkSQL, []any{0}, "COVERING INDEX calls_missed_open_time"},
		"to-do attempts":   {missedAttemptsE164SQL, []any{"+49", 0}, "calls_missed_open"},
		"to-do newest":     {missedNewestSQL, []any{`[["+49","",1]]`}, "calls_missed_open"},
		"stats task calls": {statsTaskMissedRawSQL, []any{"201", 0, 1}, "calls_missed_open (remote_e164=? AND remote_number=? AND started_at>? AND started_at<?)"},
		"stats quarters":   {statsQuartersSQL, []any{0, 1}, "PRIMARY KEY (dim=? AND value=? AND quarter>? AND quarter<?)"},
		"stats values":     {statsValuesSQL, []any{dimOperator}, "PRIMARY KEY (dim=? AND value>?)"},
		"stats value sums": {statsValueSumsSQL, []any{dimOperator, "anna", 0, 1}, "PRIMARY KEY (dim=? AND value=? AND quarter>? AND quarter<?)"},
		"stats calls":      {statsCallsSQL, []any{0, 1}, "calls_started_at"},
		"purge":            {purgeCandidatesSQL, []any{0, 0, 0, 0, 1}, "calls_recording"},
		"link contact":     {linkContactSQL, []any{1, "+49", 1}, "calls_e164"},
		"get":              {getCallSQL, []any{"x"}, "sqlite_autoindex_calls_1"},
	}
	for name, tc := range others {
		if plan := explain(t, db.SQL(), tc.query, tc.args...); !strings.Contains(plan, tc.want) || strings.Contains(plan, "SCAN calls") {
			t.Errorf("%s: plan %q, want %q and no scan of calls", name, plan, tc.want)
		}
	}
}
