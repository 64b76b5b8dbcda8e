package crm

import (
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/switchboard/switchboard/crm/numbers"
)

// Contact is a person in the CRM with everything shown on their card.
type Contact struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	CompanyID   int64     `json:"company_id,omitempty"`
	Company     string    `json:"company,omitempty"`
	Numbers     []Phone   `json:"numbers"`
	Email       string    `json:"email,omitempty"`
	Notes       string    `json:"notes,omitempty"`
	TimeZone    string    `json:"time_zone,omitempty"`   // override; "" = from the number
	Responsible string    `json:"responsible,omitempty"` // operator name
	SourceLine  string    `json:"source_line,omitempty"` // line (DID) of the first call
	Tags        []string  `json:"tags,omitempty"`
	CreatedBy   string    `json:"created_by"` // operator name or "auto"
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Phone is one of a contact's numbers.
type Phone struct {
	ID        int64        `json:"id"`
	Label     string       `json:"label,omitempty"` // "mobile", "work", "second" …; "" = main
	Raw       string       `json:"raw"`             // as entered
	Key       string       `json:"key"`             // normalised (E.164 when valid)
	Kind      numbers.Kind `json:"kind"`
	Extension string       `json:"extension,omitempty"`
}

// Common phone labels. Any other short text is allowed too.
const (
	LabelMain   = ""
	LabelMobile = "mobile"
	LabelWork   = "work"
	LabelHome   = "home"
	LabelFax    = "fax"
)

// PhoneInput is a number to add, in any format.
type PhoneInput struct {
	Label  string `json:"label,omitempty"`
	Number string `json:"number"`
}

// ContactInput is a new contact. Only Name is required.
type ContactInput struct {
	Name        string       `json:"name"`
	Company     string       `json:"company,omitempty"` // found or created by name, case-insensitively
	Numbers     []PhoneInput `json:"numbers,omitempty"`
	Email       string       `json:"email,omitempty"`
	Notes       string       `json:"notes,omitempty"`
	TimeZone    string       `json:"time_zone,omitempty"`
	Responsible string       `json:"responsible,omitempty"` // "" = the current operator
	SourceLine  string       `json:"source_line,omitempty"`
	Tags        []string     `json:"tags,omitempty"`
	CreatedBy   string       `json:"created_by,omitempty"` // "" = the current operator
}

// Limits on text fields. They are generous; they exist so that a broken
// import cannot put megabytes into a name that every card then loads.
const (
	maxNameRunes    = 500
	maxLabelRunes   = 50
	maxEmailBytes   = 254 // RFC 5321
	maxNotesBytes   = 64 << 10
	maxTagRunes     = 100
	maxTags         = 100
	maxNumbers      = 50
	maxShortText    = 500 // responsible, source line, product, title …
	maxCommentBytes = 64 << 10
)

// validContact is a ContactInput that passed validation, with its numbers
// normalised. Normalising is the slow part of an import, so it happens
// here, before the write transaction, possibly on several goroutines.
type validContact struct {
	input   ContactInput
	numbers []validPhone
	tags    []string
}

type validPhone struct {
	label  string
	number numbers.Number
}

// validateContact checks and tidies a ContactInput. The error wraps
// ErrInvalid (or ErrInvalidNumber) and names the offending field.
func (c *CRM) validateContact(input ContactInput) (validContact, error) {
	input.Name = strings.TrimSpace(input.Name)
	input.Company = strings.TrimSpace(input.Company)
	input.Email = strings.TrimSpace(input.Email)
	input.TimeZone = strings.TrimSpace(input.TimeZone)
	input.Responsible = strings.TrimSpace(input.Responsible)
	input.SourceLine = strings.TrimSpace(input.SourceLine)
	if input.Responsible == "" {
		input.Responsible = c.settings.CurrentOperator
	}
	if input.CreatedBy == "" {
		input.CreatedBy = c.settings.CurrentOperator
	}
	if input.Name == "" {
		return validContact{}, fmt.Errorf("%w: contact name is empty", ErrInvalid)
	}
	for _, field := range [...]struct{ name, value string }{
		{"name", input.Name}, {"company", input.Company}, {"email", input.Email}, {"notes", input.Notes},
		{"time zone", input.TimeZone}, {"responsible", input.Responsible}, {"source line", input.SourceLine},
		{"created by", input.CreatedBy},
	} {
		if err := checkText(field.name, field.value); err != nil {
			return validContact{}, err
		}
	}
	if utf8.RuneCountInString(input.Name) > maxNameRunes || utf8.RuneCountInString(input.Company) > maxNameRunes {
		return validContact{}, fmt.Errorf("%w: name longer than %d characters", ErrInvalid, maxNameRunes)
	}
	if len(input.Notes) > maxNotesBytes {
		return validContact{}, fmt.Errorf("%w: notes longer than %d bytes", ErrInvalid, maxNotesBytes)
	}
	if len(input.Responsible) > maxShortText || len(input.SourceLine) > maxShortText || len(input.CreatedBy) > maxShortText {
		return validContact{}, fmt.Errorf("%w: responsible, source line or creator longer than %d bytes", ErrInvalid, maxShortText)
	}
	if err := validateEmail(input.Email); err != nil {
		return validContact{}, err
	}
	if input.TimeZone != "" && !c.numbers.ValidZone(input.TimeZone) {
		return validContact{}, fmt.Errorf("%w: unknown time zone %q", ErrInvalid, input.TimeZone)
	}
	phones, err := c.validatePhones(input.Numbers)
	if err != nil {
		return validContact{}, err
	}
	tags, err := validateTags(input.Tags)
	if err != nil {
		return validContact{}, err
	}
	return validContact{input: input, numbers: phones, tags: tags}, nil
}

// validatePhones normalises numbers, dropping repeats of the same number
// (the first spelling and label win).
func (c *CRM) validatePhones(inputs []PhoneInput) ([]validPhone, error) {
	if len(inputs) > maxNumbers {
		return nil, fmt.Errorf("%w: more than %d numbers", ErrInvalid, maxNumbers)
	}
	phones := make([]validPhone, 0, len(inputs))
	seen := make(map[string]bool, len(inputs))
	for _, input := range inputs {
		phone, err := c.validatePhone(input)
		if err != nil {
			return nil, err
		}
		if seen[phone.number.Key] {
			continue
		}
		seen[phone.number.Key] = true
		phones = append(phones, phone)
	}
	return phones, nil
}

func (c *CRM) validatePhone(input PhoneInput) (validPhone, error) {
	label := normalizeLabel(input.Label)
	if err := checkText("label", label); err != nil {
		return validPhone{}, err
	}
	if utf8.RuneCountInString(label) > maxLabelRunes {
		return validPhone{}, fmt.Errorf("%w: label longer than %d characters", ErrInvalid, maxLabelRunes)
	}
	if !utf8.ValidString(input.Number) {
		return validPhone{}, fmt.Errorf("%w: number is not valid UTF-8", ErrInvalidNumber)
	}
	number := c.numbers.Normalize(input.Number)
	if !number.Valid() {
		return validPhone{}, fmt.Errorf("%w: %q", ErrInvalidNumber, input.Number)
	}
	number.Raw = strings.TrimSpace(number.Raw)
	return validPhone{label: label, number: number}, nil
}

// normalizeLabel lower-cases a label and maps the usual synonyms, so
// "Mobile", "cell" and "мобильный" are one label.
func normalizeLabel(label string) string {
	folded := fold(label)
	switch folded {
	case "main", "phone", "tel", "telephone", "voice", "телефон", "основной":
		return LabelMain
	case "mobile", "cell", "cellular", "mobile phone", "cell phone", "мобильный", "сотовый", "моб", "моб.":
		return LabelMobile
	case "work", "office", "business", "work phone", "рабочий":
		return LabelWork
	case "home", "home phone", "домашний":
		return LabelHome
	case "fax", "факс":
		return LabelFax
	}
	return folded
}

func validateEmail(email string) error {
	if email == "" {
		return nil
	}
	if len(email) > maxEmailBytes {
		return fmt.Errorf("%w: e-mail longer than %d bytes", ErrInvalid, maxEmailBytes)
	}
	address, err := mail.ParseAddress(email)
	if err != nil || address.Address != email {
		return fmt.Errorf("%w: e-mail %q is not an address", ErrInvalid, email)
	}
	return nil
}

// validateTags trims and de-duplicates tags (case-insensitively, first
// spelling wins). Commas and semicolons are refused because CSV and vCard
// export separate tags with them.
func validateTags(tags []string) ([]string, error) {
	if len(tags) > maxTags {
		return nil, fmt.Errorf("%w: more than %d tags", ErrInvalid, maxTags)
	}
	kept := make([]string, 0, len(tags))
	seen := make(map[string]bool, len(tags))
	for _, tag := range tags {
		tag = strings.TrimSpace(tag)
		if tag == "" {
			continue
		}
		if err := checkText("tag", tag); err != nil {
			return nil, err
		}
		if strings.ContainsAny(tag, ",;") || utf8.RuneCountInString(tag) > maxTagRunes {
			return nil, fmt.Errorf("%w: tag %q has a comma or semicolon or is longer than %d characters", ErrInvalid, tag, maxTagRunes)
		}
		if seen[fold(tag)] {
			continue
		}
		seen[fold(tag)] = true
		kept = append(kept, tag)
	}
	return kept, nil
}

// checkText refuses text that would corrupt exports or displays: invalid
// UTF-8 and NUL bytes.
func checkText(field, value string) error {
	if !utf8.ValidString(value) {
		return fmt.Errorf("%w: %s is not valid UTF-8", ErrInvalid, field)
	}
	if strings.IndexByte(value, 0) >= 0 {
		return fmt.Errorf("%w: %s contains a NUL byte", ErrInvalid, field)
	}
	return nil
}

// SplitTags splits "a, b; c" into tags, for CLI flags and imports.
func SplitTags(text string) []string {
	fields := strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ';' })
	tags := make([]string, 0, len(fields))
	for _, field := range fields {
		if field = strings.TrimSpace(field); field != "" {
			tags = append(tags, field)
		}
	}
	return tags
}
