package crm

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/switchboard/switchboard/crm/numbers"
)

// Exports stream every contact from one consistent snapshot (a read
// transaction that does not block the phone's writes) in id order. The
// formats read back with ImportCSV and ImportVCard to the same contacts:
// names, companies, numbers with their labels, e-mail, notes, tags, time
// zone, responsible operator and source line.

// exportedContact is one row of the export query.
type exportedContact struct {
	id                                                             int64
	name, company, email, notes, timeZone, responsible, sourceLine string
	tags                                                           []string
	phones                                                         []Phone
}

const exportSQL = `SELECT c.id, c.name, COALESCE(co.name, ''), c.email, c.notes, c.time_zone, c.responsible, c.source_line,
    (SELECT json_group_array(tag) FROM (SELECT tag FROM contact_tags WHERE contact_id = c.id ORDER BY tag)),
    (SELECT json_group_array(json_array(label, raw, number_key, kind, extension))
       FROM (SELECT label, raw, number_key, kind, extension FROM contact_numbers WHERE contact_id = c.id ORDER BY position, id))
FROM contacts c LEFT JOIN companies co ON co.id = c.company_id
ORDER BY c.id`

func streamContacts(ctx context.Context, q querier, each func(exportedContact) error) error {
	rows, err := q.QueryContext(ctx, exportSQL)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var contact exportedContact
		var tagsJSON, phonesJSON string
		if err := rows.Scan(&contact.id, &contact.name, &contact.company, &contact.email, &contact.notes, &contact.timeZone,
			&contact.responsible, &contact.sourceLine, &tagsJSON, &phonesJSON); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(tagsJSON), &contact.tags); err != nil {
			return fmt.Errorf("contact %d tags: %w", contact.id, err)
		}
		var phones [][5]string
		if err := json.Unmarshal([]byte(phonesJSON), &phones); err != nil {
			return fmt.Errorf("contact %d numbers: %w", contact.id, err)
		}
		for _, phone := range phones {
			contact.phones = append(contact.phones, Phone{Label: phone[0], Raw: phone[1], Key: phone[2], Kind: numbers.Kind(phone[3]), Extension: phone[4]})
		}
		if err := each(contact); err != nil {
			return err
		}
	}
	return rows.Err()
}

// exportNumber is how a number is written out: E.164 (with the extension)
// when valid, so the file means the same number in any country; as entered
// otherwise.
func exportNumber(phone Phone) string {
	if phone.Kind != numbers.KindE164 {
		return phone.Raw
	}
	if phone.Extension != "" {
		return phone.Key + " ext. " + phone.Extension
	}
	return phone.Key
}

// csvFixedHeader are the export's columns before the phone columns.
func csvFixedHeader() []string {
	return []string{"Name", "Company", "E-mail", "Notes", "Tags", "Time zone", "Responsible", "Source line"}
}

// phoneHeader names the column of the n-th (from 1) number with a label.
func phoneHeader(label string, n int) string {
	var header string
	switch label {
	case LabelMain:
		header = "Phone"
	case LabelMobile:
		header = "Mobile"
	case LabelWork:
		header = "Work phone"
	case LabelHome:
		header = "Home phone"
	case LabelFax:
		header = "Fax"
	default:
		header = "Phone (" + label + ")"
	}
	if n > 1 {
		header += " " + strconv.Itoa(n)
	}
	return header
}

// ExportCSV writes every contact as CSV (UTF-8, no byte-order mark, ','
// separated) with one column per phone label and repeat ("Mobile",
// "Mobile 2", "Phone (second)") and returns how many contacts it wrote.
func (c *CRM) ExportCSV(ctx context.Context, w io.Writer) (int, error) {
	written := 0
	err := c.inSnapshot(ctx, func(q querier) error {
		columns, err := phoneColumns(ctx, q)
		if err != nil {
			return err
		}
		out := csv.NewWriter(w)
		header := csvFixedHeader()
		for _, column := range columns {
			header = append(header, phoneHeader(column.label, column.n))
		}
		if err := out.Write(header); err != nil {
			return err
		}
		index := make(map[phoneColumn]int, len(columns))
		for i, column := range columns {
			index[column] = len(csvFixedHeader()) + i
		}
		err = streamContacts(ctx, q, func(contact exportedContact) error {
			record := make([]string, len(header))
			copy(record, []string{contact.name, contact.company, contact.email, contact.notes,
				strings.Join(contact.tags, ", "), contact.timeZone, contact.responsible, contact.sourceLine})
			seen := map[string]int{}
			for _, phone := range contact.phones {
				seen[phone.Label]++
				column, ok := index[phoneColumn{label: phone.Label, n: seen[phone.Label]}]
				if !ok {
					return fmt.Errorf("contact %d changed during the export", contact.id)
				}
				record[column] = exportNumber(phone)
			}
			written++
			return out.Write(record)
		})
		if err != nil {
			return err
		}
		out.Flush()
		return out.Error()
	})
	if err != nil {
		return written, fmt.Errorf("crm: export CSV: %w", err)
	}
	return written, nil
}

type phoneColumn struct {
	label string
	n     int // 1 for the first number with this label, 2 for the second …
}

// phoneColumns lists the phone columns the export needs: for each label,
// as many as the contact with the most numbers of that label has. Main,
// mobile, work, home and fax come first, then free-text labels by name.
func phoneColumns(ctx context.Context, q querier) ([]phoneColumn, error) {
	rows, err := q.QueryContext(ctx, `SELECT label, max(n) FROM
    (SELECT label, count(*) AS n FROM contact_numbers GROUP BY contact_id, label)
GROUP BY label`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	counts := map[string]int{}
	var labels []string
	for rows.Next() {
		var label string
		var n int
		if err := rows.Scan(&label, &n); err != nil {
			return nil, err
		}
		counts[label] = n
		labels = append(labels, label)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(labels) == 0 {
		labels, counts[LabelMain] = []string{LabelMain}, 1 // an empty export still has a phone column
	}
	rank := func(label string) int {
		for i, known := range []string{LabelMain, LabelMobile, LabelWork, LabelHome, LabelFax} {
			if label == known {
				return i
			}
		}
		return 5
	}
	sort.Slice(labels, func(i, j int) bool {
		if rank(labels[i]) != rank(labels[j]) {
			return rank(labels[i]) < rank(labels[j])
		}
		return labels[i] < labels[j]
	})
	var columns []phoneColumn
	for _, label := range labels {
		for n := 1; n <= counts[label]; n++ {
			columns = append(columns, phoneColumn{label: label, n: n})
		}
	}
	return columns, nil
}
