package crm

import (
	"fmt"
	"strings"
	"unicode"
)

// columnRole is the contact field a CSV column fills.
type columnRole int

const (
	roleIgnore columnRole = iota
	roleName
	roleFirstName
	roleMiddleName
	roleLastName
	roleCompany
	rolePhone
	roleEmail
	roleNotes
	roleTags
	roleTimeZone
	roleResponsible
	roleSourceLine
)

type csvColumn struct {
	role  columnRole
	label string // phone label, for rolePhone
}

// roleForHeader maps a normalised header to a role by its exact name.
// Phone columns are recognised separately, by keyword (phoneColumnLabel).
// A function with a switch, so there is no package-level table to mutate.
func roleForHeader(header string) columnRole {
	switch header {
	case "name", "full name", "fullname", "contact", "contact name", "display name", "фио", "контакт", "полное имя",
		"имя контакта":
		return roleName
	case "first name", "firstname", "given name":
		return roleFirstName
	case "middle name", "additional name", "отчество":
		return roleMiddleName
	case "last name", "lastname", "family name", "surname", "фамилия":
		return roleLastName
	case "company", "organization", "organisation", "org", "company name", "компания", "организация", "фирма",
		"контрагент":
		return roleCompany
	case "email", "e mail", "mail", "email address", "e mail address", "почта", "эл почта", "эл. почта",
		"электронная почта", "email адрес":
		return roleEmail
	case "notes", "note", "comment", "comments", "description", "примечание", "примечания", "заметки", "заметка",
		"комментарий", "описание":
		return roleNotes
	case "tags", "tag", "labels", "categories", "group", "groups", "теги", "метки", "группа", "группы", "категории":
		return roleTags
	case "time zone", "timezone", "tz", "часовой пояс":
		return roleTimeZone
	case "responsible", "owner", "operator", "manager", "ответственный", "менеджер", "оператор":
		return roleResponsible
	case "source line", "line", "did", "линия", "источник":
		return roleSourceLine
	}
	return roleIgnore
}

// phoneColumnLabel says whether a normalised header names a phone column
// and with which label: "Phone"/"Телефон" → main, "Mobile"/"Мобильный" →
// mobile, "Work phone" → work, "Phone 2" → main again, any other header
// with a phone word → that header as the label.
func phoneColumnLabel(header string) (string, bool) {
	switch header {
	case "phone", "phone number", "telephone", "tel", "tel.", "телефон", "тел", "тел.", "номер", "номер телефона",
		"primary phone", "main phone", "основной телефон":
		return LabelMain, true
	}
	contains := func(words ...string) bool {
		for _, word := range words {
			if strings.Contains(header, word) {
				return true
			}
		}
		return false
	}
	// "tel" only as a word of its own: "Telegram" is no phone column.
	shortWord := false
	for _, word := range strings.Fields(header) {
		switch strings.TrimSuffix(word, ".") {
		case "tel", "тел", "моб":
			shortWord = true
		}
	}
	if !shortWord && !contains("phone", "mobile", "cell", "fax", "телефон", "мобильн", "сотов", "факс") {
		return "", false
	}
	switch {
	case contains("mobile", "cell", "мобильн", "сотов", "моб"):
		return LabelMobile, true
	case contains("work", "office", "business", "рабоч"):
		return LabelWork, true
	case contains("home", "домашн"):
		return LabelHome, true
	case contains("fax", "факс"):
		return LabelFax, true
	}
	return normalizeLabel(header), true
}

// normalizeHeader folds a header for matching: lower case, "_" and "-"
// as spaces, runs of spaces collapsed, and a trailing number dropped
// ("Phone 2", "Mobile_3").
func normalizeHeader(header string) string {
	header = fold(strings.Map(func(r rune) rune {
		if r == '_' || r == '-' || unicode.IsSpace(r) {
			return ' '
		}
		return r
	}, header))
	header = strings.Join(strings.Fields(header), " ")
	if space := strings.LastIndexByte(header, ' '); space > 0 && isDigits(header[space+1:]) {
		header = header[:space]
	}
	return header
}

func isDigits(text string) bool {
	if text == "" {
		return false
	}
	for i := 0; i < len(text); i++ {
		if text[i] < '0' || text[i] > '9' {
			return false
		}
	}
	return true
}

// explicitPhoneLabel reads the "Phone (label)" form our export writes for
// free-text labels, from the raw header so the label keeps its spelling
// ("second-line" must not become "second line"). A trailing " 2" (the
// second column with that label) is allowed.
func explicitPhoneLabel(header string) (string, bool) {
	header = strings.TrimSpace(header)
	if space := strings.LastIndexByte(header, ' '); space > 0 && isDigits(header[space+1:]) {
		header = strings.TrimSpace(header[:space])
	}
	open := strings.IndexByte(header, '(')
	if open < 0 || !strings.HasSuffix(header, ")") {
		return "", false
	}
	switch fold(header[:open]) {
	case "phone", "телефон":
		return normalizeLabel(header[open+1 : len(header)-1]), true
	}
	return "", false
}

// mapColumns decides what each header column fills. A file must have a
// name column (or first/last name) and at least one phone column. The same
// role twice (other than phones) keeps the first column.
func mapColumns(header []string) ([]csvColumn, []string, error) {
	columns := make([]csvColumn, len(header))
	seen := map[columnRole]bool{}
	var ignored []string
	hasFirst, hasLast := false, false
	for _, name := range header {
		switch roleForHeader(normalizeHeader(name)) {
		case roleFirstName:
			hasFirst = true
		case roleLastName:
			hasLast = true
		}
	}
	for i, name := range header {
		normalized := normalizeHeader(name)
		role := roleForHeader(normalized)
		// "Имя" is the whole name, unless the file also splits names into
		// parts, where it is the first name.
		if normalized == "имя" {
			role = roleName
			if hasLast || hasFirst {
				role = roleFirstName
			}
		}
		if role == roleIgnore {
			label, ok := explicitPhoneLabel(name)
			if !ok {
				label, ok = phoneColumnLabel(normalized)
			}
			if ok {
				columns[i] = csvColumn{role: rolePhone, label: label}
				seen[rolePhone] = true
				continue
			}
		}
		if role == roleIgnore || seen[role] {
			if strings.TrimSpace(name) != "" {
				ignored = append(ignored, name)
			}
			continue
		}
		seen[role] = true
		columns[i] = csvColumn{role: role}
	}
	if !seen[roleName] && !seen[roleFirstName] && !seen[roleLastName] {
		return nil, nil, fmt.Errorf("%w: no name column (such as Name, Full name, First name, Имя, ФИО) in %q", ErrMissingColumn, header)
	}
	if !seen[rolePhone] {
		return nil, nil, fmt.Errorf("%w: no phone column (such as Phone, Mobile, Work phone, Телефон) in %q", ErrMissingColumn, header)
	}
	return columns, ignored, nil
}

// contactFromFields builds a ContactInput from one CSV row.
func contactFromFields(columns []csvColumn, fields []string) ContactInput {
	var input ContactInput
	var first, middle, last string
	for i, field := range fields {
		if i >= len(columns) {
			break
		}
		field = strings.TrimSpace(field)
		if field == "" {
			continue
		}
		switch column := columns[i]; column.role {
		case roleName:
			input.Name = field
		case roleFirstName:
			first = field
		case roleMiddleName:
			middle = field
		case roleLastName:
			last = field
		case roleCompany:
			input.Company = field
		case rolePhone:
			// One cell may hold several numbers, one per line or split by ';'.
			for _, number := range strings.FieldsFunc(field, func(r rune) bool { return r == ';' || r == '\n' }) {
				if number = strings.TrimSpace(number); number != "" {
					input.Numbers = append(input.Numbers, PhoneInput{Label: column.label, Number: number})
				}
			}
		case roleEmail:
			input.Email = field
		case roleNotes:
			input.Notes = field
		case roleTags:
			input.Tags = SplitTags(field)
		case roleTimeZone:
			input.TimeZone = field
		case roleResponsible:
			input.Responsible = field
		case roleSourceLine:
			input.SourceLine = field
		}
	}
	if input.Name == "" {
		input.Name = strings.Join(strings.Fields(first+" "+middle+" "+last), " ")
	}
	if input.Name == "" {
		input.Name = input.Company // an entry for an organisation only
	}
	return input
}
