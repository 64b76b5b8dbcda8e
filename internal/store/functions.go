package store

import (
	"database/sql/driver"
	"fmt"
	"strings"

	"modernc.org/sqlite"
)

// NotesContainsFunction is the SQL function notes_contains(text, needle):
// 1 when text contains needle, ignoring case (Unicode lower case, as the
// notes' trigram index folds it), else 0. The history walks common notes
// searches with it.
const NotesContainsFunction = "notes_contains"

// SQL functions are registered with the driver once, for every
// connection it opens; init is the one place that runs before any.
func init() {
	sqlite.MustRegisterDeterministicScalarFunction(NotesContainsFunction, 2, notesContains)
}

func notesContains(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	text, textOK := args[0].(string)
	needle, needleOK := args[1].(string)
	if args[0] == nil || args[1] == nil {
		return int64(0), nil
	}
	if !textOK || !needleOK {
		return nil, fmt.Errorf("%s: want two texts, got %T and %T", NotesContainsFunction, args[0], args[1])
	}
	if strings.Contains(strings.ToLower(text), strings.ToLower(needle)) {
		return int64(1), nil
	}
	return int64(0), nil
}
