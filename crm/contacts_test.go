package crm

import (
	"errors"
	"testing"
	"time"
)

func TestAddContactStoresRawAndNormalisedNumbers(t *testing.T) {
	env := newTestEnv(t, testSettings())
	contact, err := env.crm.AddContact(env.ctx, ContactInput{
		Name:    "Иван Петров",
		Company: "ООО Ромашка",
		Numbers: []PhoneInput{
			{Label: "Mobile", Number: "8 (916) 123-45-67"},
			{Label: "work", Number: "+7 495 123-45-67 доб. 12"},
			{Label: "second", Number: "+7 916 1234567"}, // the mobile again: dropped
		},
		Email: "ivan@example.com", Tags: []string{"vip", "VIP", " опт "}, TimeZone: "Asia/Yekaterinburg",
	})
	if err != nil {
		t.Fatal(err)
	}
	if contact.Name != "Иван Петров" || contact.Company != "ООО Ромашка" || contact.CompanyID == 0 {
		t.Errorf("contact = %+v", contact)
	}
	if contact.Responsible != "anna" || contact.CreatedBy != "anna" || !contact.CreatedAt.Equal(testStart) {
		t.Errorf("defaults: responsible %q created by %q at %v", contact.Responsible, contact.CreatedBy, contact.CreatedAt)
	}
	if len(contact.Numbers) != 2 {
		t.Fatalf("numbers = %+v, want 2 (the repeat dropped)", contact.Numbers)
	}
	mobile, work := contact.Numbers[0], contact.Numbers[1]
	if mobile.Label != LabelMobile || mobile.Raw != "8 (916) 123-45-67" || mobile.Key != "+79161234567" {
		t.Errorf("mobile = %+v", mobile)
	}
	if work.Label != LabelWork || work.Key != "+74951234567" || work.Extension != "12" {
		t.Errorf("work = %+v", work)
	}
	if len(contact.Tags) != 2 {
		t.Errorf("tags = %q, want vip and опт once each", contact.Tags)
	}

	// A second contact of the same company reuses it, case-insensitively.
	colleague, err := env.crm.AddContact(env.ctx, ContactInput{Name: "Мария", Company: "ооо ромашка"})
	if err != nil {
		t.Fatal(err)
	}
	if colleague.CompanyID != contact.CompanyID {
		t.Errorf("company not reused: %d vs %d", colleague.CompanyID, contact.CompanyID)
	}
}

func TestAddContactRejectsBadInput(t *testing.T) {
	env := newTestEnv(t, testSettings())
	before := env.counts()
	for name, input := range map[string]ContactInput{
		"empty name":    {Name: "  "},
		"bad number":    {Name: "A", Numbers: []PhoneInput{{Number: "call me"}}},
		"bad e-mail":    {Name: "A", Email: "not an address"},
		"bad zone":      {Name: "A", TimeZone: "Mars/Olympus"},
		"tag comma":     {Name: "A", Tags: []string{"a,b"}},
		"invalid UTF-8": {Name: "A\xff"},
		"NUL":           {Name: "A\x00B"},
	} {
		_, err := env.crm.AddContact(env.ctx, input)
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
	_, err := env.crm.AddContact(env.ctx, ContactInput{Name: "A", Numbers: []PhoneInput{{Number: "nope"}}})
	if !errors.Is(err, ErrInvalidNumber) {
		t.Errorf("bad number: %v, want ErrInvalidNumber", err)
	}
	if after := env.counts(); !equalCounts(before, after) {
		t.Errorf("rejected input wrote rows: %v → %v", before, after)
	}
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for table, n := range a {
		if b[table] != n {
			return false
		}
	}
	return true
}

func TestLookupNumberAllFormatsAndSuffixFallback(t *testing.T) {
	env := newTestEnv(t, testSettings())
	ivan := env.addContact("Ivan", "+7 495 123-45-67")
	odd := env.addContact("Odd", "0 12 345 67 89 01") // unparsed: valid in no country
	for _, spelling := range []string{"8 (495) 123-45-67", "+7 495 1234567", "007495 123 45 67", "74951234567", "sip:+74951234567@pbx"} {
		matches, err := env.crm.LookupNumber(env.ctx, spelling)
		if err != nil {
			t.Fatal(err)
		}
		if len(matches) != 1 || matches[0].ContactID != ivan.ID || matches[0].By != MatchExact {
			t.Errorf("LookupNumber(%q) = %+v, want Ivan exactly", spelling, matches)
		}
	}
	// An unparsable spelling still finds Ivan by the last 10 digits.
	matches, err := env.crm.LookupNumber(env.ctx, "9 9 495 123 45 67")
	if err != nil {
		t.Fatal(err)
	}
	if len(matches) != 1 || matches[0].ContactID != ivan.ID || matches[0].By != MatchSuffix {
		t.Errorf("suffix look-up = %+v, want Ivan by suffix", matches)
	}
	// A valid number finds a stored unparsed one by its tail.
	matches, err = env.crm.LookupNumber(env.ctx, "+1 234 567 8901")
	if err != nil {
		t.Fatal(err)
	}
	if len(matches) != 1 || matches[0].ContactID != odd.ID || matches[0].By != MatchSuffix {
		t.Errorf("valid number against unparsed = %+v, want Odd by suffix", matches)
	}
	// A valid number never matches another valid number by its tail.
	matches, err = env.crm.LookupNumber(env.ctx, "+380 95 123 45 67")
	if err != nil {
		t.Fatal(err)
	}
	if len(matches) != 0 {
		t.Errorf("+380 95 123 45 67 matched %+v", matches)
	}
	// Internal numbers match exactly or not at all.
	env.addContact("Reception", "101")
	if matches, _ := env.crm.LookupNumber(env.ctx, "101"); len(matches) != 1 {
		t.Errorf("internal 101 = %+v", matches)
	}
	if matches, _ := env.crm.LookupNumber(env.ctx, "201"); len(matches) != 0 {
		t.Errorf("internal 201 = %+v", matches)
	}
}

func TestSeveralContactsOnOneNumberFirstIsDefault(t *testing.T) {
	env := newTestEnv(t, testSettings())
	first := env.addContact("Reception desk", "+7 495 111-22-33")
	second := env.addContact("Director", "8 495 111 22 33")
	matches, err := env.crm.LookupNumber(env.ctx, "74951112233")
	if err != nil {
		t.Fatal(err)
	}
	if len(matches) != 2 || matches[0].ContactID != first.ID || matches[1].ContactID != second.ID {
		t.Errorf("matches = %+v, want first then second", matches)
	}
}

func TestFindContactsByNameFragmentAnyCase(t *testing.T) {
	env := newTestEnv(t, testSettings())
	env.addContact("Пётр Иванов", "+7 916 000-00-01")
	env.addContact("PETER Smith", "+7 916 000-00-02")
	if _, err := env.crm.AddContact(env.ctx, ContactInput{Name: "Olga", Company: "Петрович и сыновья"}); err != nil {
		t.Fatal(err)
	}
	tests := map[string]int{
		"пётр": 2, "ПЕТР": 2, "иванов": 1, "петр иванов": 1, "peter": 1, "smith": 1, "петрович": 1, "пет": 2, "100%": 0, "_": 0,
		"+7 916 000-00-01": 1, "89160000002": 1, "": 3,
	}
	for query, want := range tests {
		found, err := env.crm.FindContacts(env.ctx, query, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(found) != want {
			t.Errorf("FindContacts(%q) found %d, want %d", query, len(found), want)
		}
	}
}

func TestEditAndDeleteContact(t *testing.T) {
	env := newTestEnv(t, testSettings())
	contact := env.addContact("Ivan", "+7 495 123-45-67")
	name, zone, empty := "Ivan Petrov", "Europe/Moscow", ""
	edited, err := env.crm.EditContact(env.ctx, contact.ID, ContactPatch{
		Name: &name, TimeZone: &zone, Company: &empty, SetTags: true, Tags: []string{"new"},
		AddNumbers:    []PhoneInput{{Label: "mobile", Number: "8 916 123 45 67"}},
		RemoveNumbers: []string{"8 (495) 123-45-67"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if edited.Name != name || edited.TimeZone != zone || len(edited.Numbers) != 1 || edited.Numbers[0].Key != "+79161234567" ||
		len(edited.Tags) != 1 {
		t.Errorf("edited = %+v", edited)
	}
	// A bad patch changes nothing at all.
	bad := "Nowhere/Zone"
	if _, err := env.crm.EditContact(env.ctx, contact.ID, ContactPatch{Name: &bad, TimeZone: &bad}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad patch: %v", err)
	}
	if again, _ := env.crm.GetContact(env.ctx, contact.ID); again.Name != name {
		t.Errorf("bad patch changed the name to %q", again.Name)
	}
	if err := env.crm.RemoveNumber(env.ctx, contact.ID, "+7 000"); !errors.Is(err, ErrNotFound) {
		t.Errorf("removing a number the contact lacks: %v", err)
	}
	env.addCall("before-delete", "in", "+7 916 123 45 67", time.Now(), "answered")
	if _, err := env.crm.IndexCalls(env.ctx); err != nil {
		t.Fatal(err)
	}
	if n := env.count("SELECT count(*) FROM calls WHERE contact_id = ?", contact.ID); n != 1 {
		t.Fatalf("%d calls linked before the delete, want 1", n)
	}
	if err := env.crm.DeleteContact(env.ctx, contact.ID); err != nil {
		t.Fatal(err)
	}
	// The call stays in the history, linked to nobody.
	if n := env.count("SELECT count(*) FROM calls WHERE id = 'before-delete' AND contact_id = 0"); n != 1 {
		t.Errorf("call of the deleted contact: %d unlinked rows, want 1", n)
	}
	if _, err := env.crm.GetContact(env.ctx, contact.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted contact: %v", err)
	}
	if n := env.count("SELECT count(*) FROM contact_numbers"); n != 0 {
		t.Errorf("%d numbers left after delete", n)
	}
	if err := env.crm.DeleteContact(env.ctx, contact.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
}

func TestAddingANumberLinksPastCallsTasksAndCases(t *testing.T) {
	env := newTestEnv(t, testSettings())
	env.addCall("c1", DirectionIn, "8 (495) 123-45-67", testStart.Add(-48*60*60e9), "missed")
	env.addCall("c2", DirectionOut, "+74951234567", testStart.Add(-24*60*60e9), "answered")
	env.addCall("c3", DirectionIn, "+79990000000", testStart.Add(-24*60*60e9), "answered") // someone else
	task, err := env.crm.AddTask(env.ctx, TaskInput{Number: "74951234567", In: 10 * 60e9})
	if err != nil {
		t.Fatal(err)
	}
	lead, err := env.crm.AddCase(env.ctx, CaseInput{Title: "Unknown caller", Number: "+7 495 123 45 67"})
	if err != nil {
		t.Fatal(err)
	}
	if task.ContactID != 0 || lead.ContactID != 0 {
		t.Fatal("task or case linked before anyone had the number")
	}

	contact := env.addContact("Ivan")
	linked, err := env.crm.AddNumber(env.ctx, contact.ID, PhoneInput{Number: "+7 495 1234567"})
	if err != nil {
		t.Fatal(err)
	}
	if linked != (Linked{Calls: 2, Tasks: 1, Cases: 1}) {
		t.Errorf("linked = %+v, want 2 calls, 1 task, 1 case", linked)
	}
	calls, err := env.crm.ContactCalls(env.ctx, contact.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 2 || calls[0].ID != "c2" || calls[1].ID != "c1" {
		t.Errorf("contact calls = %+v, want c2 then c1", calls)
	}
	if got, _ := env.crm.GetTask(env.ctx, task.ID); got.ContactID != contact.ID {
		t.Errorf("task contact = %d", got.ContactID)
	}
	if got, _ := env.crm.GetCase(env.ctx, lead.ID); got.ContactID != contact.ID {
		t.Errorf("case contact = %d", got.ContactID)
	}
	// A new contact created with the number links calls made since.
	env.addCall("c4", DirectionIn, "+79990000000", testStart, "answered")
	other := env.addContact("Other", "8 999 000 00 00")
	if calls, _ := env.crm.ContactCalls(env.ctx, other.ID, 10); len(calls) != 2 {
		t.Errorf("new contact's calls = %+v, want c3 and c4", calls)
	}
}

func TestLinkCallPicksAnotherContact(t *testing.T) {
	env := newTestEnv(t, testSettings())
	env.addCall("c1", DirectionIn, "+74951112233", testStart, "answered")
	first := env.addContact("Desk", "+7 495 111-22-33")
	second := env.addContact("Boss", "+7 495 111-22-33")
	if calls, _ := env.crm.ContactCalls(env.ctx, first.ID, 10); len(calls) != 1 {
		t.Fatalf("call not linked to the first contact: %+v", calls)
	}
	if err := env.crm.LinkCall(env.ctx, "c1", second.ID); err != nil {
		t.Fatal(err)
	}
	if calls, _ := env.crm.ContactCalls(env.ctx, second.ID, 10); len(calls) != 1 {
		t.Errorf("call not moved to the second contact")
	}
	if err := env.crm.LinkCall(env.ctx, "nope", second.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown call: %v", err)
	}
	if err := env.crm.LinkCall(env.ctx, "c1", 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown contact: %v", err)
	}
}
