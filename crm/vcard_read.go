package crm

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// vcardSource reads contacts from vCard 3.0 and 4.0 (RFC 2426, RFC 6350):
// FN (or N), ORG, TEL with its TYPE (cell, work, home, fax) or an
// X-SWITCHBOARD-LABEL / Apple X-ABLabel, EMAIL, NOTE, CATEGORIES, TZ (a
// zone name) and switchboard's X-SWITCHBOARD-RESPONSIBLE and
// X-SWITCHBOARD-SOURCE-LINE. Other properties are ignored.
type vcardSource struct {
	lines     *bufio.Reader
	limit     int
	lineNo    int    // physical line last read
	lookahead string // a physical line read but not yet used
	hasAhead  bool
	aheadNo   int
	done      bool
	cards     int
}

func newVCardSource(r io.Reader, options ImportOptions) *vcardSource {
	return &vcardSource{lines: bufio.NewReaderSize(r, 64<<10), limit: options.MaxRecordBytes}
}

func (s *vcardSource) rejectHeader() []string   { return []string{"line", "reason", "vcard"} }
func (s *vcardSource) ignoredColumns() []string { return nil }

// physicalLine returns the next line without its line break.
func (s *vcardSource) physicalLine() (string, int, error) {
	if s.hasAhead {
		s.hasAhead = false
		return s.lookahead, s.aheadNo, nil
	}
	var line []byte
	for {
		chunk, err := s.lines.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > s.limit {
			return "", s.lineNo + 1, fatalAt(s.lineNo+1, ErrRecordTooLong, fmt.Sprintf("line longer than %d bytes", s.limit))
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && (!errors.Is(err, io.EOF) || len(line) == 0) {
			return "", s.lineNo, err
		}
		break
	}
	s.lineNo++
	if s.lineNo == 1 {
		line = []byte(strings.TrimPrefix(string(line), utf8BOM))
	}
	return strings.TrimRight(string(line), "\r\n"), s.lineNo, nil
}

// logicalLine returns the next unfolded content line: a line that starts
// with a space or tab continues the previous one.
func (s *vcardSource) logicalLine() (string, int, error) {
	for {
		line, number, err := s.physicalLine()
		if err != nil {
			return "", number, err
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		var unfolded strings.Builder
		unfolded.WriteString(line)
		for {
			next, nextNumber, err := s.physicalLine()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return "", nextNumber, err
			}
			if next != "" && (next[0] == ' ' || next[0] == '\t') {
				unfolded.WriteString(next[1:])
				if unfolded.Len() > s.limit {
					return "", nextNumber, fatalAt(nextNumber, ErrRecordTooLong, fmt.Sprintf("line longer than %d bytes", s.limit))
				}
				continue
			}
			s.lookahead, s.aheadNo, s.hasAhead = next, nextNumber, true
			break
		}
		return unfolded.String(), number, nil
	}
}

func (s *vcardSource) next() (importRecord, error) {
	if s.done {
		return importRecord{}, io.EOF
	}
	// Find BEGIN:VCARD.
	var start int
	for {
		line, number, err := s.logicalLine()
		if errors.Is(err, io.EOF) {
			s.done = true
			if s.cards == 0 {
				return importRecord{}, fatalAt(max(1, s.lineNo), ErrEmptyFile, "no vCard in the file")
			}
			return importRecord{}, io.EOF
		}
		if err != nil {
			return importRecord{}, s.readError(err)
		}
		if strings.EqualFold(strings.TrimSpace(line), "BEGIN:VCARD") {
			start = number
			break
		}
		if !utf8.ValidString(line) {
			return importRecord{line: number, raw: []string{line}, err: fmt.Errorf("%w", ErrInvalidEncoding)}, nil
		}
		return importRecord{line: number, raw: []string{line}, err: fmt.Errorf("%w: %q outside BEGIN:VCARD … END:VCARD", ErrInvalid, excerpt(line, 40))}, nil
	}
	s.cards++
	card := vcardBuilder{labels: map[string]string{}}
	var raw strings.Builder
	raw.WriteString("BEGIN:VCARD\n")
	for {
		line, number, err := s.logicalLine()
		if errors.Is(err, io.EOF) {
			s.done = true
			return importRecord{line: start, raw: []string{raw.String()}, err: fmt.Errorf("%w: the card has no END:VCARD", ErrInvalid)}, nil
		}
		if err != nil {
			return importRecord{}, s.readError(err)
		}
		raw.WriteString(line)
		raw.WriteByte('\n')
		if strings.EqualFold(strings.TrimSpace(line), "END:VCARD") {
			break
		}
		if card.err != nil {
			continue // keep reading to the end of the broken card
		}
		if !utf8.ValidString(line) {
			card.err = fmt.Errorf("%w on line %d", ErrInvalidEncoding, number)
			continue
		}
		if strings.EqualFold(strings.TrimSpace(line), "BEGIN:VCARD") {
			card.err = fmt.Errorf("%w: BEGIN:VCARD on line %d inside a card", ErrInvalid, number)
			continue
		}
		card.add(line, number)
	}
	record := importRecord{line: start, raw: []string{raw.String()}, err: card.err}
	if record.err == nil {
		record.input, record.err = card.contact()
	}
	return record, nil
}

func (s *vcardSource) readError(err error) error {
	var importErr *ImportError
	if errors.As(err, &importErr) {
		return err
	}
	return &ImportError{Fatal: fmt.Errorf("read: %w", err)}
}

// vcardBuilder collects one card's properties.
type vcardBuilder struct {
	input      ContactInput
	structured string            // N, used when there is no FN
	labels     map[string]string // Apple's "item1.X-ABLabel" by group
	phones     []groupedPhone
	err        error
}

type groupedPhone struct {
	group string
	phone PhoneInput
}

// add interprets one content line: [group.]NAME[;PARAM=VALUE…]:value.
func (b *vcardBuilder) add(line string, number int) {
	colon := indexOutsideQuotes(line, ':')
	if colon < 0 {
		b.err = fmt.Errorf("%w: line %d has no ':'", ErrInvalid, number)
		return
	}
	head, value := line[:colon], line[colon+1:]
	parts := splitOutsideQuotes(head, ';')
	name := strings.ToUpper(parts[0])
	group := ""
	if dot := strings.LastIndexByte(name, '.'); dot >= 0 {
		group, name = name[:dot], name[dot+1:]
	}
	params := parseVCardParams(parts[1:])
	if strings.EqualFold(params["ENCODING"], "QUOTED-PRINTABLE") {
		b.err = fmt.Errorf("%w: line %d uses quoted-printable (vCard 2.1); export as vCard 3.0 or 4.0", ErrInvalid, number)
		return
	}
	switch name {
	case "FN":
		b.input.Name = unescapeVCard(value)
	case "N":
		b.structured = value
	case "ORG":
		b.input.Company = unescapeVCard(splitUnescaped(value, ';')[0])
	case "TEL":
		label := vcardTypeLabel(params["TYPE"])
		if custom := params["X-SWITCHBOARD-LABEL"]; custom != "" {
			label = normalizeLabel(custom)
		}
		b.phones = append(b.phones, groupedPhone{group: group, phone: PhoneInput{Label: label, Number: unescapeVCard(value)}})
	case "EMAIL":
		if b.input.Email == "" {
			b.input.Email = unescapeVCard(value)
		}
	case "NOTE":
		b.input.Notes = unescapeVCard(value)
	case "CATEGORIES":
		for _, tag := range splitUnescaped(value, ',') {
			b.input.Tags = append(b.input.Tags, unescapeVCard(tag))
		}
	case "TZ":
		// Only a zone name can be used; a bare UTC offset says nothing
		// about summer time.
		if zone := unescapeVCard(value); strings.Contains(zone, "/") {
			b.input.TimeZone = zone
		}
	case "X-SWITCHBOARD-RESPONSIBLE":
		b.input.Responsible = unescapeVCard(value)
	case "X-SWITCHBOARD-SOURCE-LINE":
		b.input.SourceLine = unescapeVCard(value)
	case "X-ABLABEL":
		label := unescapeVCard(value)
		label = strings.TrimSuffix(strings.TrimPrefix(label, "_$!<"), ">!$_") // Apple's built-in labels
		b.labels[group] = normalizeLabel(label)
	}
}

func (b *vcardBuilder) contact() (ContactInput, error) {
	input := b.input
	for _, grouped := range b.phones {
		phone := grouped.phone
		if label, ok := b.labels[grouped.group]; ok && grouped.group != "" {
			phone.Label = label
		}
		input.Numbers = append(input.Numbers, phone)
	}
	if strings.TrimSpace(input.Name) == "" && b.structured != "" {
		// N is family;given;additional;prefix;suffix.
		parts := splitUnescaped(b.structured, ';')
		for len(parts) < 5 {
			parts = append(parts, "")
		}
		input.Name = strings.Join(strings.Fields(strings.Join([]string{
			unescapeVCard(parts[3]), unescapeVCard(parts[1]), unescapeVCard(parts[2]), unescapeVCard(parts[0]), unescapeVCard(parts[4]),
		}, " ")), " ")
	}
	if strings.TrimSpace(input.Name) == "" {
		input.Name = input.Company
	}
	return input, nil
}

// vcardTypeLabel maps TEL TYPE values to a label: "cell" → mobile, "work",
// "home", "fax"; "voice", "pref" and the like say nothing about whose
// number it is.
func vcardTypeLabel(types string) string {
	label := LabelMain
	for _, kind := range strings.Split(strings.ToLower(types), ",") {
		switch strings.TrimSpace(kind) {
		case "cell", "mobile", "iphone":
			return LabelMobile
		case "fax":
			label = LabelFax
		case "work":
			if label == LabelMain {
				label = LabelWork
			}
		case "home":
			if label == LabelMain {
				label = LabelHome
			}
		}
	}
	return label
}

// parseVCardParams reads "TYPE=cell,voice", "TYPE=cell;TYPE=pref" and the
// vCard 2.1 style bare "CELL" into a map of upper-case names; repeated
// parameters are joined with ','.
func parseVCardParams(parts []string) map[string]string {
	params := map[string]string{}
	for _, part := range parts {
		name, value, found := strings.Cut(part, "=")
		if !found {
			name, value = "TYPE", part
		}
		name = strings.ToUpper(strings.TrimSpace(name))
		value = strings.Trim(strings.TrimSpace(value), `"`)
		// A parameter value cannot hold a double quote (RFC 6350 3.3); a
		// stray one becomes "'", as vcardTel writes it, so that a card
		// reads back the same after export.
		value = strings.ReplaceAll(value, `"`, "'")
		if previous := params[name]; previous != "" {
			value = previous + "," + value
		}
		params[name] = value
	}
	return params
}

// unescapeVCard undoes text escaping: \n \N \, \; \\.
func unescapeVCard(value string) string {
	if !strings.Contains(value, `\`) {
		return value
	}
	var out strings.Builder
	for i := 0; i < len(value); i++ {
		if value[i] != '\\' || i+1 == len(value) {
			out.WriteByte(value[i])
			continue
		}
		i++
		switch value[i] {
		case 'n', 'N':
			out.WriteByte('\n')
		default:
			out.WriteByte(value[i])
		}
	}
	return out.String()
}

// splitUnescaped splits on sep where it is not escaped with '\'.
func splitUnescaped(value string, sep byte) []string {
	var parts []string
	start := 0
	for i := 0; i < len(value); i++ {
		switch value[i] {
		case '\\':
			i++
		case sep:
			parts = append(parts, value[start:i])
			start = i + 1
		}
	}
	return append(parts, value[start:])
}

func indexOutsideQuotes(text string, target byte) int {
	quoted := false
	for i := 0; i < len(text); i++ {
		switch {
		case text[i] == '"':
			quoted = !quoted
		case text[i] == target && !quoted:
			return i
		}
	}
	return -1
}

func splitOutsideQuotes(text string, sep byte) []string {
	var parts []string
	for {
		i := indexOutsideQuotes(text, sep)
		if i < 0 {
			return append(parts, text)
		}
		parts = append(parts, text[:i])
		text = text[i+1:]
	}
}
