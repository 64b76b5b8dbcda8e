package contacts

import (
	"net/mail"
	"slices"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/switchboard/switchboard/crm"
	"github.com/switchboard/switchboard/ui/common"
)

// minNumberFields is how many number fields a form has at least; an edit
// form has one more than the contact's numbers, for adding one.
const minNumberFields = 2

// fieldKind tells the form's fields apart.
type fieldKind int

const (
	fieldName fieldKind = iota
	fieldCompany
	fieldNumber
	fieldEmail
	fieldNotes
)

type field struct {
	kind  fieldKind
	label string
	input textinput.Model
	err   string      // validation problem shown under the field
	check NumberCheck // numbers: the normalised form of input's value
	// checked is the value check belongs to ("" = not checked yet).
	checked string
	// phone is the contact's number this field started with (edit form).
	phone *crm.Phone
	// numberLabel is a number's label ("" = the main number, "mobile",
	// "work", ...): shown as the field's label, changed with CycleLabel.
	numberLabel string
}

// numberLabels are the labels CycleLabel goes through, in order.
var numberLabels = []string{crm.LabelMain, crm.LabelMobile, crm.LabelWork, crm.LabelHome, crm.LabelFax}

// labelText is how a number's label reads in the form.
func labelText(label string) string {
	if label == "" {
		return "Number"
	}
	return strings.ToUpper(label[:1]) + label[1:]
}

// Form creates or edits a contact. Numbers are normalised as they are
// typed (the root model asks the backend and hands back SetCheck);
// problems are shown under their field and saving waits until there are
// none.
type Form struct {
	common   *common.Common
	id       int64 // 0: a new contact
	original crm.Contact
	fields   []field
	focus    int
	err      string // what the backend said when saving failed
	// CallID is the call the form was opened from ("+ contact" on the
	// popup): its card is built again once the contact is saved.
	CallID string
	// Number is that call's number.
	Number string
}

// NewForm returns a form for a new contact (c.ID == 0), prefilled with c,
// or for editing contact c.
func NewForm(cm *common.Common, c crm.Contact) Form {
	f := Form{common: cm, id: c.ID, original: c}
	add := func(kind fieldKind, label, value, placeholder string, phone *crm.Phone) {
		in := textinput.New()
		in.Prompt = ""
		in.Placeholder = placeholder
		in.SetValue(value)
		f.fields = append(f.fields, field{kind: kind, label: label, input: in, phone: phone})
	}
	add(fieldName, "Name", c.Name, "required", nil)
	add(fieldCompany, "Company", c.Company, "", nil)
	for i := range c.Numbers {
		p := c.Numbers[i]
		add(fieldNumber, labelText(p.Label), p.Raw, "", &p)
		f.fields[len(f.fields)-1].numberLabel = p.Label
	}
	for n := len(c.Numbers); n < max(minNumberFields, len(c.Numbers)+1); n++ {
		add(fieldNumber, labelText(""), "", "any format", nil)
	}
	add(fieldEmail, "E-mail", c.Email, "", nil)
	add(fieldNotes, "Notes", c.Notes, "", nil)
	f.SetWidth(cm.Width)
	return f
}

// Editing reports whether the form edits an existing contact.
func (f Form) Editing() bool { return f.id != 0 }

// ContactID is the contact edited (0 for a new one).
func (f Form) ContactID() int64 { return f.id }

// Focus puts the cursor in the first field.
func (f *Form) Focus() tea.Cmd { return f.focusField(0) }

func (f *Form) focusField(i int) tea.Cmd {
	f.fields[f.focus].input.Blur()
	f.focus = (i + len(f.fields)) % len(f.fields)
	return f.fields[f.focus].input.Focus()
}

// OnNumber reports whether the cursor is in a number field (where
// CycleLabel works).
func (f Form) OnNumber() bool { return f.fields[f.focus].kind == fieldNumber }

// CycleLabel gives the focused number the next label: main, mobile, work,
// home, fax, and round again. A label of the contact's own (from an
// import) is followed by the main number's.
func (f *Form) CycleLabel() {
	fl := &f.fields[f.focus]
	if fl.kind != fieldNumber {
		return
	}
	next := (slices.Index(numberLabels, fl.numberLabel) + 1) % len(numberLabels)
	fl.numberLabel = numberLabels[next]
	fl.label = labelText(fl.numberLabel)
}

// Next and Prev move between fields.
func (f *Form) Next() tea.Cmd { return f.focusField(f.focus + 1) }

// Prev moves to the field before.
func (f *Form) Prev() tea.Cmd { return f.focusField(f.focus - 1) }

// SetWidth fits the inputs to a terminal width cells wide.
func (f *Form) SetWidth(width int) {
	w := max(16, min(40, width-30))
	for i := range f.fields {
		f.fields[i].input.SetWidth(w)
	}
}

// Update gives a key or a paste to the focused field. When a number field
// changed, numberField is its index and value what it holds (a check is
// due); otherwise numberField is -1.
func (f Form) Update(msg tea.Msg) (form Form, numberField int, value string, cmd tea.Cmd) {
	fl := &f.fields[f.focus]
	before := fl.input.Value()
	fl.input, cmd = fl.input.Update(msg)
	after := fl.input.Value()
	if after == before {
		return f, -1, "", cmd
	}
	fl.err = ""
	f.err = ""
	if fl.kind != fieldNumber {
		return f, -1, "", cmd
	}
	if strings.TrimSpace(after) == "" {
		fl.check, fl.checked = NumberCheck{}, ""
		return f, -1, "", cmd
	}
	return f, f.focus, after, cmd
}

// NumberFields are the indexes and values of the number fields that hold
// a number not checked yet (a prefilled form asks for them at once).
func (f Form) NumberFields() map[int]string {
	out := map[int]string{}
	for i, fl := range f.fields {
		if v := fl.input.Value(); fl.kind == fieldNumber && strings.TrimSpace(v) != "" && fl.checked != v {
			out[i] = v
		}
	}
	return out
}

// SetCheck records a number field's normalised form; a check of a value
// the field no longer holds is stale and dropped.
func (f *Form) SetCheck(i int, value string, check NumberCheck) {
	if i < 0 || i >= len(f.fields) || f.fields[i].input.Value() != value {
		return
	}
	f.fields[i].check, f.fields[i].checked = check, value
	if check.Valid {
		f.fields[i].err = ""
	}
}

// SetError shows what the backend said when saving failed.
func (f *Form) SetError(err error) {
	f.err = ""
	if err != nil {
		f.err = err.Error()
	}
}

// Validate marks every field with a problem and reports whether there
// were none. A number whose check has not come back is let through: the
// CRM validates it again on saving.
func (f *Form) Validate() bool {
	ok := true
	for i := range f.fields {
		fl := &f.fields[i]
		fl.err = ""
		v := strings.TrimSpace(fl.input.Value())
		switch fl.kind {
		case fieldName:
			if v == "" {
				fl.err = "a name is required"
			}
		case fieldEmail:
			if v != "" {
				if a, err := mail.ParseAddress(v); err != nil || a.Address != v {
					fl.err = "not an e-mail address"
				}
			}
		case fieldNumber:
			if v != "" && fl.checked == fl.input.Value() && !fl.check.Valid {
				fl.err = or(fl.check.Problem, "not a valid number")
			}
		}
		if fl.err != "" {
			ok = false
		}
	}
	return ok
}

func (f Form) value(kind fieldKind) string {
	for _, fl := range f.fields {
		if fl.kind == kind {
			return strings.TrimSpace(fl.input.Value())
		}
	}
	return ""
}

// Input is the new contact the form describes.
func (f Form) Input() crm.ContactInput {
	in := crm.ContactInput{Name: f.value(fieldName), Company: f.value(fieldCompany), Email: f.value(fieldEmail), Notes: f.value(fieldNotes)}
	for _, fl := range f.fields {
		if v := strings.TrimSpace(fl.input.Value()); fl.kind == fieldNumber && v != "" {
			in.Numbers = append(in.Numbers, crm.PhoneInput{Label: fl.numberLabel, Number: v})
		}
	}
	return in
}

// Patch is the change the edit form describes: the fields that differ,
// numbers changed, relabelled or cleared removed and the new ones added
// with the labels the form shows.
func (f Form) Patch() crm.ContactPatch {
	var p crm.ContactPatch
	set := func(dst **string, now, was string) {
		if now != was {
			*dst = &now
		}
	}
	set(&p.Name, f.value(fieldName), f.original.Name)
	set(&p.Company, f.value(fieldCompany), f.original.Company)
	set(&p.Email, f.value(fieldEmail), f.original.Email)
	set(&p.Notes, f.value(fieldNotes), strings.TrimSpace(f.original.Notes))
	for _, fl := range f.fields {
		if fl.kind != fieldNumber {
			continue
		}
		v := strings.TrimSpace(fl.input.Value())
		if fl.phone != nil && v == fl.phone.Raw && fl.numberLabel == fl.phone.Label {
			continue
		}
		if fl.phone != nil {
			p.RemoveNumbers = append(p.RemoveNumbers, fl.phone.Raw)
		}
		if v != "" {
			p.AddNumbers = append(p.AddNumbers, crm.PhoneInput{Label: fl.numberLabel, Number: v})
		}
	}
	return p
}

// View draws the form, width cells wide at most.
func (f Form) View(width int) string {
	st := f.common.Styles
	title := "New contact"
	if f.Editing() {
		title = "Edit " + f.original.Name
	}
	lines := []string{st.Title.Render(title)}
	labelW := 8
	for i, fl := range f.fields {
		marker := "  "
		if i == f.focus {
			marker = st.Accent.Render("▸ ")
		}
		line := marker + cell(fl.label, labelW) + " " + fl.input.View()
		if fl.kind == fieldNumber && fl.checked == fl.input.Value() && fl.checked != "" && fl.check.Valid {
			line += st.OK.Render(" → " + fl.check.Formatted)
		}
		lines = append(lines, line)
		if fl.err != "" {
			lines = append(lines, strings.Repeat(" ", labelW+3)+st.Error.Render("✗ "+fl.err))
		}
	}
	if f.err != "" {
		lines = append(lines, "", st.Error.Render("Not saved: "+f.err))
	}
	hint := "tab/↓ next field · enter saves · esc cancels"
	if f.OnNumber() {
		hint = "tab/↓ next field · ctrl+l label · enter saves · esc cancels"
	}
	lines = append(lines, "", st.Subtle.Render(hint))
	return strings.Join(clip(lines, max(20, width)), "\n")
}

func or(s, fallback string) string {
	if s != "" {
		return s
	}
	return fallback
}

// HasErrors reports whether a field shows a problem.
func (f Form) HasErrors() bool {
	return slices.ContainsFunc(f.fields, func(fl field) bool { return fl.err != "" }) || f.err != ""
}
