package crm

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestCardForKnownNumber(t *testing.T) {
	env := newTestEnv(t, testSettings())
	contact, err := env.crm.AddContact(env.ctx, ContactInput{
		Name: "Ivan Petrov", Company: "Romashka", Responsible: "boris",
		Numbers: []PhoneInput{{Label: "work", Number: "+7 495 123-45-67"}, {Label: "mobile", Number: "+7 916 123-45-67"}},
		Notes:   "Prefers mornings.\nSecond line is not in the excerpt.", Tags: []string{"vip"},
	})
	if err != nil {
		t.Fatal(err)
	}
	older, _ := env.crm.AddCase(env.ctx, CaseInput{Title: "Old order", Kind: KindOrder, ContactID: contact.ID})
	env.clock.Advance(time.Minute)
	newer, _ := env.crm.AddCase(env.ctx, CaseInput{Title: "New deal", Kind: KindDeal, ContactID: contact.ID, AmountMinor: 1234550})
	if _, err := env.crm.AddCase(env.ctx, CaseInput{Title: "Closed", ContactID: contact.ID, Status: "won"}); err != nil {
		t.Fatal(err)
	}
	task, _ := env.crm.AddTask(env.ctx, TaskInput{ContactID: contact.ID, In: 30 * time.Minute})
	env.addCall("c1", DirectionIn, "+79161234567", testStart.Add(-72*time.Hour), "answered")
	env.addCall("c2", DirectionOut, "8 916 123 45 67", testStart.Add(-24*time.Hour), "no-answer")
	env.addCall("live", DirectionIn, "89161234567", testStart, "")
	if _, err := env.crm.IndexCalls(env.ctx); err != nil {
		t.Fatal(err)
	}

	card, err := env.crm.BuildCard(env.ctx, CardRequest{Number: "89161234567", DialledLine: "+7 495 000-00-00", CallID: "live"})
	if err != nil {
		t.Fatal(err)
	}
	if card.Partial || !card.Known || card.Contact == nil || len(card.Actions) != 0 {
		t.Fatalf("card = %+v", card)
	}
	got := card.Contact
	if got.ID != contact.ID || got.Name != "Ivan Petrov" || got.Company != "Romashka" || got.Responsible != "boris" ||
		got.MatchedNumber.Label != LabelMobile || got.MatchedBy != MatchExact || got.NotesExcerpt != "Prefers mornings. …" {
		t.Errorf("card contact = %+v", got)
	}
	if card.Formatted != "+7 916 123-45-67" || card.DialledLine != "+7 495 000-00-00" {
		t.Errorf("formatted %q, line %q", card.Formatted, card.DialledLine)
	}
	if card.LocalTime.Certain || card.LocalTime.Zone != "Europe/Moscow" {
		t.Errorf("a Russian mobile's local time must be uncertain: %+v", card.LocalTime)
	}
	if card.OpenCase == nil || card.OpenCase.ID != newer.ID || card.OpenCase.AmountMinor != 1234550 || card.OtherOpenCases != 1 {
		t.Errorf("open case = %+v, others %d (older %d)", card.OpenCase, card.OtherOpenCases, older.ID)
	}
	if card.PreviousCalls.Count != 2 || card.PreviousCalls.LastResult != "no-answer" ||
		!card.PreviousCalls.LastAt.Equal(testStart.Add(-24*time.Hour)) {
		t.Errorf("previous calls = %+v", card.PreviousCalls)
	}
	if len(card.OpenTasks) != 1 || card.OpenTasks[0].ID != task.ID {
		t.Errorf("open tasks = %+v", card.OpenTasks)
	}

	// The contact's own zone wins and is certain.
	zone := "Asia/Novosibirsk"
	if _, err := env.crm.EditContact(env.ctx, contact.ID, ContactPatch{TimeZone: &zone}); err != nil {
		t.Fatal(err)
	}
	card, _ = env.crm.BuildCard(env.ctx, CardRequest{Number: "89161234567"})
	if !card.LocalTime.Certain || card.LocalTime.Zone != zone || card.LocalTime.Source != "contact" {
		t.Errorf("override: %+v", card.LocalTime)
	}

	// Blacklisted numbers say so.
	if _, err := env.crm.Block(env.ctx, BlockInput{Pattern: "+7 916 123-45-67", Reason: "rude"}); err != nil {
		t.Fatal(err)
	}
	card, _ = env.crm.BuildCard(env.ctx, CardRequest{Number: "89161234567"})
	if !card.Blacklisted || card.BlacklistReason != "rude" {
		t.Errorf("blacklist on card: %v %q", card.Blacklisted, card.BlacklistReason)
	}
}

func TestCardForUnknownNumber(t *testing.T) {
	env := newTestEnv(t, testSettings())
	env.addCall("c1", DirectionIn, "+1 212 555 0100", testStart.Add(-time.Hour), "missed") // not indexed: found raw
	card, err := env.crm.BuildCard(env.ctx, CardRequest{Number: "+1 212 555 0100"})
	if err != nil {
		t.Fatal(err)
	}
	if card.Known || card.Contact != nil || card.Partial {
		t.Errorf("card = %+v", card)
	}
	if !reflect.DeepEqual(card.Actions, []string{ActionAddContact, ActionAddCase, ActionAttachToContact}) {
		t.Errorf("actions = %q", card.Actions)
	}
	if card.Formatted != "+1 212-555-0100" || card.Description.RegionCode != "US" || card.Description.Location == "" {
		t.Errorf("number part = %q %+v", card.Formatted, card.Description)
	}
	if !card.LocalTime.Certain || card.LocalTime.Zone != "America/New_York" {
		t.Errorf("US landline zone = %+v", card.LocalTime)
	}
	if card.PreviousCalls.Count != 1 || card.PreviousCalls.LastResult != "missed" {
		t.Errorf("previous calls = %+v", card.PreviousCalls)
	}
	// Calls not indexed yet are still found when the trunk spelled the
	// number in one of the usual ways.
	env.addCall("c2", DirectionIn, "89161234567", testStart.Add(-2*time.Hour), "answered")
	env.addCall("c3", DirectionOut, "+79161234567", testStart.Add(-time.Hour), "no-answer")
	card, err = env.crm.BuildCard(env.ctx, CardRequest{Number: "+7 (916) 123-45-67"})
	if err != nil {
		t.Fatal(err)
	}
	if card.PreviousCalls.Count != 2 || card.PreviousCalls.LastResult != "no-answer" {
		t.Errorf("unindexed calls in other spellings: %+v", card.PreviousCalls)
	}
}

func TestCardSeveralContactsLetsOperatorPick(t *testing.T) {
	env := newTestEnv(t, testSettings())
	first := env.addContact("Reception", "+7 495 111-22-33")
	second := env.addContact("Director", "+7 495 111-22-33")
	card, err := env.crm.BuildCard(env.ctx, CardRequest{Number: "84951112233"})
	if err != nil {
		t.Fatal(err)
	}
	if len(card.Matches) != 2 || card.Contact.ID != first.ID {
		t.Errorf("default pick: matches %d, contact %d", len(card.Matches), card.Contact.ID)
	}
	card, _ = env.crm.BuildCard(env.ctx, CardRequest{Number: "84951112233", ContactID: second.ID})
	if card.Contact.ID != second.ID || card.Contact.Name != "Director" {
		t.Errorf("operator's pick: %+v", card.Contact)
	}
}

func TestCardTimeoutGivesPartialCard(t *testing.T) {
	settings := testSettings()
	settings.CardTimeout = time.Nanosecond
	env := newTestEnv(t, settings)
	env.addContact("Ivan", "+7 495 123-45-67")
	card, err := env.crm.BuildCard(env.ctx, CardRequest{Number: "8 495 123 45 67"})
	if err != nil {
		t.Fatalf("a timed-out card is not an error: %v", err)
	}
	if !card.Partial || card.Formatted != "+7 495 123-45-67" || card.NumberKey != "+74951234567" || card.Actions != nil {
		t.Errorf("partial card = %+v; want the number filled and Partial set", card)
	}
	full, err := env.crm.CompleteCard(env.ctx, CardRequest{Number: "8 495 123 45 67"})
	if err != nil {
		t.Fatal(err)
	}
	if full.Partial || !full.Known || full.Contact.Name != "Ivan" {
		t.Errorf("completed card = %+v", full)
	}
}

func TestCardJSONFieldsAreSnakeCase(t *testing.T) {
	env := newTestEnv(t, testSettings())
	env.addContact("Ivan", "+7 495 123-45-67")
	card, err := env.crm.BuildCard(env.ctx, CardRequest{Number: "+7 495 123-45-67"})
	if err != nil {
		t.Fatal(err)
	}
	encoded, err := json.Marshal(card)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(encoded, &fields); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"number", "formatted", "partial", "known", "contact", "local_time", "previous_calls", "blacklisted"} {
		if _, ok := fields[want]; !ok {
			t.Errorf("card JSON lacks %q: %s", want, encoded)
		}
	}
	assertSnakeCase(t, reflect.TypeOf(Card{}), map[reflect.Type]bool{})
}

// assertSnakeCase checks that every exported field of typ, recursively, has
// a snake_case JSON name.
func assertSnakeCase(t *testing.T, typ reflect.Type, seen map[reflect.Type]bool) {
	t.Helper()
	for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice {
		typ = typ.Elem()
	}
	if typ.Kind() != reflect.Struct || seen[typ] || typ.PkgPath() == "time" {
		return
	}
	seen[typ] = true
	for i := 0; i < typ.NumField(); i++ {
		field := typ.Field(i)
		if !field.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(field.Tag.Get("json"), ",")
		if name == "" || name != strings.ToLower(name) || strings.ContainsAny(name, "- ") {
			t.Errorf("%s.%s has JSON name %q, want snake_case", typ.Name(), field.Name, name)
		}
		assertSnakeCase(t, field.Type, seen)
	}
}
