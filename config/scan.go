package config

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// scope is the table that following key/value lines belong to. A nil node
// means the table itself was already reported as wrong, so its contents are
// skipped instead of producing a cascade of follow-up errors.
type scope struct {
	path string
	node *schemaNode
}

// keyPart is one segment of a (possibly dotted) TOML key.
type keyPart struct {
	name string
	line int
}

// scanner walks the TOML syntax tree before decoding. The decoder only knows
// about the first error and does not give positions for valid keys; the walk
// gives every key's line (for later validation messages) and reports all
// unknown keys and wrongly typed values at once.
type scanner struct {
	file         string
	parser       *unstable.Parser
	index        keyIndex
	arrayLengths map[string]int // "accounts" -> elements seen so far
	newlines     []int          // offsets of '\n', to turn offsets into lines quickly
	problems     []Problem
}

// scanDocument returns the line of every key in data and the problems found.
func scanDocument(file string, data []byte, schema *schemaNode) (keyIndex, []Problem) {
	s := &scanner{
		file:         file,
		parser:       &unstable.Parser{},
		index:        newKeyIndex(),
		arrayLengths: make(map[string]int),
		newlines:     newlineOffsets(data),
	}
	s.parser.Reset(data)
	root := scope{node: schema}
	current := root
	for s.parser.NextExpression() {
		expr := s.parser.Expression()
		switch expr.Kind {
		case unstable.Table:
			current = s.enterTable(root, expr, false)
		case unstable.ArrayTable:
			current = s.enterTable(root, expr, true)
		case unstable.KeyValue:
			s.keyValue(current, expr)
		}
	}
	if err := s.parser.Error(); err != nil {
		s.problems = append(s.problems, syntaxProblem(file, data, err))
	}
	return s.index, s.problems
}

func (s *scanner) report(path string, line int, format string, args ...any) {
	s.problems = append(s.problems, Problem{File: s.file, Line: line, Field: path, Message: fmt.Sprintf(format, args...)})
}

func (s *scanner) reportUnknown(path, name string, line int, table *schemaNode) {
	message := "unknown key"
	if suggestion := closestName(name, table.fieldNames()); suggestion != "" {
		message += fmt.Sprintf(" (did you mean %q?)", suggestion)
	}
	s.report(path, line, "%s", message)
}

// lineOf is the 1-based line where node starts. The parser's own Shape
// rescans the document for every call, which is quadratic on big inputs.
func (s *scanner) lineOf(node *unstable.Node) int {
	return sort.SearchInts(s.newlines, int(node.Raw.Offset)) + 1
}

func newlineOffsets(data []byte) []int {
	var offsets []int
	for i, b := range data {
		if b == '\n' {
			offsets = append(offsets, i)
		}
	}
	return offsets
}

// valueLine is the line of a value inside an array; values without a
// recorded position fall back to the line of their key.
func (s *scanner) valueLine(value *unstable.Node, keyLine int) int {
	if value.Raw.Length == 0 {
		return keyLine
	}
	return s.lineOf(value)
}

func (s *scanner) keyParts(expr *unstable.Node) []keyPart {
	var parts []keyPart
	it := expr.Key()
	for it.Next() {
		node := it.Node()
		parts = append(parts, keyPart{name: string(node.Data), line: s.lineOf(node)})
	}
	return parts
}

// enterTable resolves a [table] or [[array.of.tables]] header.
func (s *scanner) enterTable(root scope, expr *unstable.Node, isArray bool) scope {
	parts := s.keyParts(expr)
	current := root
	for i, part := range parts {
		last := i == len(parts)-1
		child, known := current.node.fields[part.name]
		path := joinPath(current.path, part.name)
		if !known {
			s.reportUnknown(path, part.name, part.line, current.node)
			return scope{}
		}
		s.index.recordFirst(path, part.line)
		switch {
		case last && isArray:
			if child.kind != kindTableArray {
				s.report(path, part.line, "must be %s, so write [%s] instead of [[%s]]", child.describeHeader(), path, path)
				return scope{}
			}
			elementPath := s.appendElement(path)
			s.index.recordFirst(elementPath, part.line)
			return scope{path: elementPath, node: child}
		case child.kind == kindTable:
			current = scope{path: path, node: child}
		case child.kind == kindTableArray && last:
			s.report(path, part.line, "is an array of tables: write [[%s]]", path)
			return scope{}
		case child.kind == kindTableArray:
			// [accounts.tls] extends the most recent [[accounts]] element.
			n := s.arrayLengths[path]
			if n == 0 {
				s.report(path, part.line, "[[%s]] must come before its sub-tables", path)
				return scope{}
			}
			current = scope{path: elementPath(path, n-1), node: child}
		default:
			s.report(path, part.line, "must be %s, not a table", child.kind.describe())
			return scope{}
		}
	}
	return current
}

// describeHeader names the kind of a table header for messages.
func (n *schemaNode) describeHeader() string {
	if n.kind == kindTable {
		return "a table"
	}
	return n.kind.describe()
}

func (s *scanner) appendElement(path string) string {
	n := s.arrayLengths[path]
	s.arrayLengths[path] = n + 1
	return elementPath(path, n)
}

// keyValue checks one "key = value" line (or inline-table entry).
func (s *scanner) keyValue(current scope, expr *unstable.Node) {
	if current.node == nil {
		return
	}
	parts := s.keyParts(expr)
	for i, part := range parts {
		child, known := current.node.fields[part.name]
		path := joinPath(current.path, part.name)
		if !known {
			s.reportUnknown(path, part.name, part.line, current.node)
			return
		}
		if i == len(parts)-1 {
			if first := s.index.line(path); first > 0 && child.kind != kindTable {
				s.report(path, part.line, "set twice (first on line %d)", first)
				return
			}
			s.index.recordFirst(path, part.line)
			s.checkValue(path, part.line, child, expr.Value())
			return
		}
		// Dotted keys such as tls.ca_file = "..." step into sub-tables.
		if child.kind != kindTable {
			s.report(path, part.line, "must be %s, not a table", child.kind.describe())
			return
		}
		s.index.recordFirst(path, part.line)
		current = scope{path: path, node: child}
	}
}

// checkValue reports a value of the wrong TOML type without ever quoting it:
// the value might be a password.
func (s *scanner) checkValue(path string, line int, expected *schemaNode, value *unstable.Node) {
	wrongType := func() {
		s.report(path, line, "must be %s, not %s", expected.kind.describe(), describeNode(value.Kind))
	}
	switch expected.kind {
	case kindString, kindDuration:
		if value.Kind != unstable.String {
			wrongType()
			return
		}
		if expected.kind == kindDuration {
			var d Duration
			if err := d.UnmarshalText(value.Data); err != nil {
				s.report(path, line, "invalid duration %q (use e.g. \"30s\", \"2m\" or \"1h30m\")", value.Data)
			}
		}
	case kindBool:
		if value.Kind != unstable.Bool {
			wrongType()
		}
	case kindInt:
		if value.Kind != unstable.Integer {
			wrongType()
		}
	case kindStringList:
		if value.Kind != unstable.Array {
			wrongType()
			return
		}
		s.checkStringElements(path, line, value)
	case kindTable:
		if value.Kind != unstable.InlineTable {
			wrongType()
			return
		}
		s.inlineTable(scope{path: path, node: expected}, value)
	case kindTableArray:
		if value.Kind != unstable.Array {
			wrongType()
			return
		}
		s.inlineTableArray(path, line, expected, value)
	}
}

func (s *scanner) checkStringElements(path string, line int, array *unstable.Node) {
	it := array.Children()
	for i := 0; it.Next(); i++ {
		element := it.Node()
		elementLine := s.valueLine(element, line)
		itemPath := elementPath(path, i)
		s.index.recordFirst(itemPath, elementLine)
		if element.Kind != unstable.String {
			s.report(itemPath, elementLine, "must be a string, not %s", describeNode(element.Kind))
		}
	}
}

func (s *scanner) inlineTable(current scope, table *unstable.Node) {
	it := table.Children()
	for it.Next() {
		if entry := it.Node(); entry.Kind == unstable.KeyValue {
			s.keyValue(current, entry)
		}
	}
}

// inlineTableArray handles accounts = [{ name = "a", ... }, ...].
func (s *scanner) inlineTableArray(path string, line int, expected *schemaNode, array *unstable.Node) {
	it := array.Children()
	for it.Next() {
		element := it.Node()
		elementPath := s.appendElement(path)
		elementLine := s.valueLine(element, line)
		if element.Kind != unstable.InlineTable {
			s.report(elementPath, elementLine, "must be a table, not %s", describeNode(element.Kind))
			continue
		}
		s.index.recordFirst(elementPath, elementLine)
		s.inlineTable(scope{path: elementPath, node: expected}, element)
	}
}

// describeNode names a TOML value kind for "must be X, not Y" messages.
func describeNode(kind unstable.Kind) string {
	switch kind {
	case unstable.String:
		return "a string"
	case unstable.Bool:
		return "a boolean"
	case unstable.Integer:
		return "an integer"
	case unstable.Float:
		return "a float"
	case unstable.Array:
		return "an array"
	case unstable.InlineTable:
		return "a table"
	case unstable.LocalDate, unstable.LocalTime, unstable.LocalDateTime, unstable.DateTime:
		return "a date/time"
	default:
		return "a " + strings.ToLower(kind.String())
	}
}

// syntaxProblem turns a parser error into a Problem with its line.
func syntaxProblem(file string, data []byte, err error) Problem {
	problem := Problem{File: file, Message: "syntax error: " + err.Error()}
	var parseErr *unstable.ParserError
	if errors.As(err, &parseErr) {
		if offset, ok := subsliceOffset(data, parseErr.Highlight); ok {
			problem.Line = lineAt(data, offset)
		}
		problem.Field = strings.Join(parseErr.Key, ".")
	}
	return hideDetailsOnPasswordLine(data, problem, "syntax error")
}

// hideDetailsOnPasswordLine replaces a library message by a summary when the
// problem's line holds a password: parser messages quote the offending
// characters, which could be part of the password.
func hideDetailsOnPasswordLine(data []byte, problem Problem, summary string) Problem {
	if problem.Line > 0 && mentionsPassword(lineText(data, problem.Line)) {
		problem.Message = summary + " (details hidden because this line holds a password)"
	}
	return problem
}

// mentionsPassword reports whether a line assigns the "password" key.
func mentionsPassword(line string) bool {
	for rest := line; ; {
		i := strings.Index(rest, "password")
		if i < 0 {
			return false
		}
		after := strings.TrimLeft(rest[i+len("password"):], "\"' \t")
		startsKey := i == 0 || strings.ContainsRune(" \t{,.\"'", rune(rest[i-1]))
		if startsKey && strings.HasPrefix(after, "=") {
			return true
		}
		rest = rest[i+len("password"):]
	}
}

// subsliceOffset finds where highlight lies inside data. It checks bounds
// itself because the library's equivalent panics on foreign slices.
func subsliceOffset(data, highlight []byte) (int, bool) {
	if highlight == nil {
		return 0, false
	}
	offset := cap(data) - cap(highlight)
	if offset < 0 || offset+len(highlight) > len(data) {
		return 0, false
	}
	return offset, true
}

// lineAt converts a byte offset into a 1-based line number.
func lineAt(data []byte, offset int) int {
	return strings.Count(string(data[:offset]), "\n") + 1
}

// lineText returns the text of a 1-based line.
func lineText(data []byte, line int) string {
	lines := strings.Split(string(data), "\n")
	if line < 1 || line > len(lines) {
		return ""
	}
	return lines[line-1]
}

func joinPath(parent, name string) string {
	if !isBareKey(name) {
		name = strconv.Quote(name)
	}
	if parent == "" {
		return name
	}
	return parent + "." + name
}

func elementPath(path string, index int) string {
	return path + "[" + strconv.Itoa(index) + "]"
}

// isBareKey reports whether a key can be written without quotes in TOML.
func isBareKey(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}
