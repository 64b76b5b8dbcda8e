package crm

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/switchboard/switchboard/crm/numbers"
)

// vCard versions ExportVCard writes.
const (
	VCard3 = "3.0"
	VCard4 = "4.0"
)

// ExportVCard writes every contact as vCard (3.0 or 4.0) and returns how
// many it wrote. Lines end in CRLF and are folded at 75 octets, as the RFCs
// require.
func (c *CRM) ExportVCard(ctx context.Context, w io.Writer, version string) (int, error) {
	if version == "" {
		version = VCard3
	}
	if version != VCard3 && version != VCard4 {
		return 0, fmt.Errorf("crm: export vCard: %w: version %q, want 3.0 or 4.0", ErrInvalid, version)
	}
	out := bufio.NewWriter(w)
	written := 0
	err := c.inSnapshot(ctx, func(q querier) error {
		return streamContacts(ctx, q, func(contact exportedContact) error {
			writeVCard(out, contact, version)
			written++
			return nil
		})
	})
	if err == nil {
		err = out.Flush()
	}
	if err != nil {
		return written, fmt.Errorf("crm: export vCard: %w", err)
	}
	return written, nil
}

func writeVCard(out *bufio.Writer, contact exportedContact, version string) {
	line := func(content string) { writeFolded(out, content) }
	line("BEGIN:VCARD")
	line("VERSION:" + version)
	line("FN:" + escapeVCard(contact.name))
	// N is required in 3.0; the whole name goes in "given" because
	// switchboard does not split names.
	line("N:;" + escapeVCard(contact.name) + ";;;")
	if contact.company != "" {
		line("ORG:" + escapeVCard(contact.company))
	}
	for _, phone := range contact.phones {
		line(vcardTel(phone, version))
	}
	if contact.email != "" {
		line("EMAIL:" + escapeVCard(contact.email))
	}
	if contact.notes != "" {
		line("NOTE:" + escapeVCard(contact.notes))
	}
	if len(contact.tags) > 0 {
		escaped := make([]string, len(contact.tags))
		for i, tag := range contact.tags {
			escaped[i] = escapeVCard(tag)
		}
		line("CATEGORIES:" + strings.Join(escaped, ","))
	}
	if contact.timeZone != "" {
		if version == VCard3 {
			line("TZ;VALUE=text:" + escapeVCard(contact.timeZone))
		} else {
			line("TZ:" + escapeVCard(contact.timeZone))
		}
	}
	if contact.responsible != "" {
		line("X-SWITCHBOARD-RESPONSIBLE:" + escapeVCard(contact.responsible))
	}
	if contact.sourceLine != "" {
		line("X-SWITCHBOARD-SOURCE-LINE:" + escapeVCard(contact.sourceLine))
	}
	line("END:VCARD")
}

// vcardTel writes a TEL line: the standard TYPE for the usual labels, and
// an X-SWITCHBOARD-LABEL parameter (which other programs ignore) for
// free-text ones.
func vcardTel(phone Phone, version string) string {
	var params []string
	switch phone.Label {
	case LabelMain:
		params = append(params, "TYPE=voice")
	case LabelMobile:
		params = append(params, "TYPE=cell")
	case LabelWork, LabelHome, LabelFax:
		params = append(params, "TYPE="+phone.Label)
	default:
		params = append(params, "TYPE=voice", `X-SWITCHBOARD-LABEL="`+strings.NewReplacer(`"`, "'", "\n", " ", "\r", " ").Replace(phone.Label)+`"`)
	}
	value := exportNumber(phone)
	if version == VCard4 {
		if phone.Kind == numbers.KindE164 {
			params = append(params, "VALUE=uri")
			value = "tel:" + phone.Key
			if phone.Extension != "" {
				value += ";ext=" + phone.Extension
			}
		} else {
			params = append(params, "VALUE=text")
			value = escapeVCard(value)
		}
	} else {
		value = escapeVCard(value)
	}
	return "TEL;" + strings.Join(params, ";") + ":" + value
}

// escapeVCard escapes a text value: backslash, comma, semicolon and line
// breaks.
func escapeVCard(text string) string {
	return strings.NewReplacer(`\`, `\\`, ",", `\,`, ";", `\;`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(text)
}

// writeFolded writes one content line folded at 75 octets without cutting
// a UTF-8 character, with CRLF line ends.
func writeFolded(out *bufio.Writer, content string) {
	const width = 75
	first := true
	for len(content) > 0 {
		limit := width
		if !first {
			limit = width - 1 // the leading space counts
		}
		cut := len(content)
		if cut > limit {
			cut = limit
			for cut > 0 && !utf8.RuneStart(content[cut]) {
				cut--
			}
		}
		if !first {
			out.WriteByte(' ')
		}
		out.WriteString(content[:cut])
		out.WriteString("\r\n")
		content = content[cut:]
		first = false
	}
}
