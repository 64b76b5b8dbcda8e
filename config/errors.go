package config

import (
	"strconv"
	"strings"
)

// Problem is one thing wrong with a configuration file.
type Problem struct {
	File    string
	Line    int    // 1-based; 0 when the problem has no single line (e.g. a missing key)
	Field   string // TOML path such as "accounts[1].transport"; may be empty for syntax errors
	Message string
}

// String formats the problem as "file:line: field: message", leaving out the
// line when it is unknown and the field when there is none.
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(p.Line))
	}
	if p.Field != "" {
		b.WriteString(": ")
		b.WriteString(p.Field)
	}
	b.WriteString(": ")
	b.WriteString(p.Message)
	return b.String()
}

// Error collects every problem found in a file, so users can fix them all in
// one pass instead of one per run.
type Error struct {
	Problems []Problem
}

// Error joins all problems, one per line.
func (e *Error) Error() string {
	if len(e.Problems) == 0 {
		return "config: invalid configuration"
	}
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}
