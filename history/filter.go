package history

import (
	"fmt"

	"github.com/switchboard/switchboard/internal/store"
	"strings"
	"time"
	"unicode/utf8"
)

// Filter selects calls for List, Recordings and CSV export. Zero fields do
// not filter; set fields combine with AND.
type Filter struct {
	Direction string   // DirectionIn or DirectionOut
	Results   []string // any of these results (ResultLive for calls in progress)
	// E164 matches calls whose normalised number is exactly this. When it is
	// empty, Number (as typed) matches calls whose raw number ends with its
	// digits, so "4567" finds "+49 30 1234567"; a Number without digits (a
	// SIP user name) must match the raw number exactly.
	E164        string
	Number      string
	ContactID   int64
	Operator    string
	Account     string    // the SIP account (line) used
	DialledLine string    // the DID an incoming call was made to
	From, Until time.Time // start time in [From, Until); zero: open-ended
	// HasRecording: nil any, true only calls with a recording path, false
	// only calls without.
	HasRecording *bool
	// NotesText matches calls whose notes contain it, ignoring case.
	NotesText   string
	Disposition string
	Tag         string // see NormaliseTag

	// commonNotes is set by List when NotesText matches many calls: the
	// calls are then walked in order and each one's notes tested, which
	// finds a page sooner than collecting and sorting every match.
	commonNotes bool
}

// Sort orders a listing. Every order is total (ties broken by insertion
// order), which keyset pagination needs.
type Sort string

const (
	SortNewest   Sort = ""         // by start time, newest first (the default)
	SortOldest   Sort = "oldest"   // by start time, oldest first
	SortLongest  Sort = "longest"  // by talk time, longest first
	SortShortest Sort = "shortest" // by talk time, shortest first
)

// Page asks for one page of a listing.
type Page struct {
	// Size is the number of calls per page: DefaultPageSize when 0, at most
	// MaxPageSize.
	Size int
	// Cursor continues a listing: pass the cursor the previous page returned
	// ("" for the first page), with the same Sort and Filter.
	Cursor string
	Sort   Sort
}

const (
	DefaultPageSize = 50
	MaxPageSize     = 1000
	// minIndexedSuffix is the shortest digit suffix searched through the
	// reversed-number index. Shorter suffixes match a large share of all
	// calls, which the index would have to collect and sort; walking the
	// calls newest first finds a page of them sooner.
	minIndexedSuffix = 3
	// minTrigram is the shortest notes needle the trigram index can find.
	minTrigram = 3
)

// condition is a WHERE clause being assembled from filter terms.
type condition struct {
	terms []string
	args  []any
}

func (c *condition) add(term string, args ...any) {
	c.terms = append(c.terms, term)
	c.args = append(c.args, args...)
}

func (c *condition) sql() string {
	if len(c.terms) == 0 {
		return "1"
	}
	return strings.Join(c.terms, " AND ")
}

// selective reports whether the filter names a few calls (one number, one
// contact, a tag, a notes search): then collecting all matches and sorting
// them is cheap, whatever the order asked for.
func (f Filter) selective() bool {
	return f.E164 != "" || f.ContactID != 0 || len(reversedDigits(f.Number)) >= minIndexedSuffix ||
		(f.notesSearch() != "" && !f.commonNotes) || f.Tag != ""
}

// notesSearch is the FTS phrase for NotesText, "" when NotesText is too
// short for the trigram index (or empty).
func (f Filter) notesSearch() string {
	needle := strings.TrimSpace(f.NotesText)
	if utf8.RuneCountInString(needle) < minTrigram {
		return ""
	}
	// A quoted FTS5 string is a phrase; with the trigram tokenizer a phrase
	// matches as a substring.
	return `"` + strings.ReplaceAll(needle, `"`, `""`) + `"`
}

// where validates the filter and turns it into SQL over the calls table,
// except for Tag, which the caller handles (see listQuery).
//
// The terms are written for the planner. A filter on an indexed column
// repeats the partial index's condition (operator <> ” ...) so the index
// qualifies, and those indexes pair the column with started_at, so "newest
// first" needs no sort. Filters that match many calls (several results, a
// short number suffix) get a unary + so that no index serves them: walking
// the calls in order then finds a page quickly, where collecting every match
// and sorting it would not. With walkOrder set, every filter that is not
// selective is written that way, so the walk follows the sort's own index.
func (f Filter) where(walkOrder bool) (condition, error) {
	var cond condition
	indexed := func(column string) string {
		if walkOrder {
			return "+calls." + column
		}
		return "calls." + column
	}
	switch f.Direction {
	case "":
	case DirectionIn, DirectionOut:
		cond.add("calls.direction = ?", f.Direction)
	default:
		return cond, fmt.Errorf("%w: direction %q", ErrInvalidFilter, f.Direction)
	}
	if err := addResults(&cond, f.Results, indexed("result")); err != nil {
		return cond, err
	}
	addNumber(&cond, f.E164, f.Number)
	if f.ContactID < 0 {
		return cond, fmt.Errorf("%w: negative contact id", ErrInvalidFilter)
	}
	if f.ContactID != 0 {
		cond.add("calls.contact_id = ? AND calls.contact_id <> 0", f.ContactID)
	}
	if f.Operator != "" {
		cond.add(indexed("operator")+" = ? AND calls.operator <> ''", f.Operator)
	}
	if f.Account != "" {
		cond.add("calls.account = ?", f.Account)
	}
	if f.DialledLine != "" {
		cond.add(indexed("dialled_line")+" = ? AND calls.dialled_line <> ''", f.DialledLine)
	}
	if err := addPeriod(&cond, f.From, f.Until); err != nil {
		return cond, err
	}
	if f.HasRecording != nil {
		if *f.HasRecording {
			cond.add(indexed("recording") + " <> ''")
		} else {
			cond.add("calls.recording = ''")
		}
	}
	f.addNotes(&cond)
	if f.Disposition != "" {
		cond.add(indexed("disposition")+" = ? AND calls.disposition <> ''", strings.TrimSpace(f.Disposition))
	}
	return cond, nil
}

// tag returns the normalised Tag filter, "" when there is none.
func (f Filter) tag() (string, error) {
	if f.Tag == "" {
		return "", nil
	}
	tag, err := NormaliseTag(f.Tag)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidFilter, err)
	}
	return tag, nil
}

func addResults(cond *condition, results []string, column string) error {
	for _, result := range results {
		if err := (Call{ID: "filter", Direction: DirectionIn, Result: result}).validate(); err != nil {
			return fmt.Errorf("%w: result %q", ErrInvalidFilter, result)
		}
	}
	switch len(results) {
	case 0:
	case 1:
		// One result: calls_result walks that result newest first.
		cond.add(column+" = ?", results[0])
	default:
		// Several: the index could only collect every match and sort it.
		cond.add("+calls.result IN (?"+strings.Repeat(", ?", len(results)-1)+")", stringsToAny(results)...)
	}
	return nil
}

func addNumber(cond *condition, e164, number string) {
	if e164 != "" {
		cond.add("calls.remote_e164 = ? AND calls.remote_e164 <> ''", e164)
		return
	}
	if number == "" {
		return
	}
	suffix := reversedDigits(number)
	if suffix == "" {
		cond.add("calls.remote_number = ?", number)
		return
	}
	// Digits end in '9', and ':' follows '9': [suffix, suffix+1) is
	// exactly the keys starting with suffix.
	upper := suffix[:len(suffix)-1] + string(suffix[len(suffix)-1]+1)
	column := "calls.remote_digits_rev"
	if len(suffix) < minIndexedSuffix {
		column = "+calls.remote_digits_rev"
	}
	cond.add(column+" >= ? AND "+column+" < ? AND calls.remote_digits_rev <> ''", suffix, upper)
}

func addPeriod(cond *condition, from, until time.Time) error {
	if !from.IsZero() && !until.IsZero() && !until.After(from) {
		return fmt.Errorf("%w: period ends (%v) before it starts (%v)", ErrInvalidFilter, until, from)
	}
	if !from.IsZero() {
		cond.add("calls.started_at >= ?", from.UnixMilli())
	}
	if !until.IsZero() {
		cond.add("calls.started_at < ?", until.UnixMilli())
	}
	return nil
}

func (f Filter) addNotes(cond *condition) {
	needle := strings.TrimSpace(f.NotesText)
	phrase := f.notesSearch()
	switch {
	case needle == "":
	case phrase != "" && f.commonNotes:
		// Tested call by call as the walk meets them (see
		// calls_notes_walk), with the trigram index's case folding.
		cond.add("calls.notes <> '' AND "+store.NotesContainsFunction+"(calls.notes, ?)", needle)
	case phrase != "":
		cond.add("calls.rowid IN (SELECT rowid FROM call_notes WHERE call_notes MATCH ?)", phrase)
	default:
		// Too short for trigrams: walk the calls with notes. LIKE folds
		// ASCII case only, an acceptable difference for one or two
		// characters.
		escaped := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(needle)
		cond.add(`calls.notes <> '' AND calls.notes LIKE ? ESCAPE '\'`, "%"+escaped+"%")
	}
}

func stringsToAny(values []string) []any {
	out := make([]any, len(values))
	for i, value := range values {
		out[i] = value
	}
	return out
}
