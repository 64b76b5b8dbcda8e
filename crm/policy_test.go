package crm

import (
	"errors"
	"testing"
	"time"
)

func TestUnknownNumberPolicies(t *testing.T) {
	answered := CallOutcome{Direction: DirectionIn, Answered: true}
	missed := CallOutcome{Direction: DirectionIn}
	outgoing := CallOutcome{Direction: DirectionOut, Answered: true}
	contactOnly := UnknownNumberPolicy{Create: CreateContact}
	withCase := UnknownNumberPolicy{Create: CreateContactAndCase, CaseKind: KindDeal, CaseStatus: "in_progress"}

	tests := []struct {
		name        string
		policy      Policy
		outcome     CallOutcome
		wantContact bool
		wantCase    bool
		wantName    string
	}{
		{"default does nothing (answered)", Policy{}, answered, false, false, ""},
		{"default does nothing (missed)", Policy{}, missed, false, false, ""},
		{"default does nothing (outgoing)", Policy{}, outgoing, false, false, ""},
		{"explicit nothing", Policy{AnsweredUnknown: UnknownNumberPolicy{Create: CreateNothing}}, answered, false, false, ""},
		{"answered: contact", Policy{AnsweredUnknown: contactOnly}, answered, true, false, "New (16:30 05.03.2018, incoming call)"},
		{"answered: contact and case", Policy{AnsweredUnknown: withCase}, answered, true, true, "New (16:30 05.03.2018, incoming call)"},
		{"answered policy ignores missed calls", Policy{AnsweredUnknown: withCase}, missed, false, false, ""},
		{"missed: contact", Policy{MissedUnknown: contactOnly}, missed, true, false, "New (16:30 05.03.2018, missed call)"},
		{"missed: contact and case", Policy{MissedUnknown: withCase}, missed, true, true, "New (16:30 05.03.2018, missed call)"},
		{"missed policy ignores answered calls", Policy{MissedUnknown: withCase}, answered, false, false, ""},
		{"outgoing: contact", Policy{OutgoingUnknown: contactOnly}, outgoing, true, false, "New (16:30 05.03.2018, outgoing call)"},
		{"outgoing: contact and case", Policy{OutgoingUnknown: withCase}, outgoing, true, true, "New (16:30 05.03.2018, outgoing call)"},
		{"outgoing unanswered counts as outgoing", Policy{OutgoingUnknown: contactOnly}, CallOutcome{Direction: DirectionOut}, true, false, "New (16:30 05.03.2018, outgoing call)"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			settings := testSettings()
			settings.Policy = test.policy
			env := newTestEnv(t, settings)
			outcome := test.outcome
			outcome.CallID, outcome.Number, outcome.Operator, outcome.At = "call-1", "+7 916 555-44-33", "boris", testStart
			outcome.DialledLine = "+7 495 000-00-00"
			result, err := env.crm.ApplyCallPolicies(env.ctx, outcome)
			if err != nil {
				t.Fatal(err)
			}
			if result.Known || result.ContactCreated != test.wantContact || result.CaseCreated != test.wantCase {
				t.Fatalf("result = %+v; want contact %v case %v", result, test.wantContact, test.wantCase)
			}
			if got := env.count("SELECT count(*) FROM contacts"); got != btoi(test.wantContact) {
				t.Errorf("%d contacts", got)
			}
			if got := env.count("SELECT count(*) FROM cases"); got != btoi(test.wantCase) {
				t.Errorf("%d cases", got)
			}
			if test.wantContact {
				contact, err := env.crm.GetContact(env.ctx, result.ContactID)
				if err != nil {
					t.Fatal(err)
				}
				if contact.Name != test.wantName || contact.CreatedBy != AutoCreator || contact.Responsible != "boris" {
					t.Errorf("contact = %q by %q, responsible %q", contact.Name, contact.CreatedBy, contact.Responsible)
				}
				if len(contact.Numbers) != 1 || contact.Numbers[0].Key != "+79165554433" {
					t.Errorf("numbers = %+v", contact.Numbers)
				}
				wantLine := "+7 495 000-00-00"
				if outcome.Direction == DirectionOut {
					wantLine = ""
				}
				if contact.SourceLine != wantLine {
					t.Errorf("source line = %q, want %q", contact.SourceLine, wantLine)
				}
			}
			if test.wantCase {
				record, err := env.crm.GetCase(env.ctx, result.CaseID)
				if err != nil {
					t.Fatal(err)
				}
				if record.Kind != KindDeal || record.Status != "in_progress" || record.State != CaseOpen ||
					record.ContactID != result.ContactID || record.SourceCallID != "call-1" || record.Responsible != "boris" {
					t.Errorf("case = %+v", record)
				}
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestRepeatCallPolicies(t *testing.T) {
	tests := []struct {
		mode           RepeatMode
		openCaseBefore bool
		wantCase       bool
	}{
		{"", false, false},
		{RepeatNever, false, false},
		{RepeatAlways, false, true},
		{RepeatAlways, true, true},
		{RepeatIfNoneOpen, false, true},
		{RepeatIfNoneOpen, true, false},
	}
	for _, test := range tests {
		settings := testSettings()
		settings.Policy.RepeatCall = RepeatCallPolicy{Mode: test.mode}
		env := newTestEnv(t, settings)
		contact := env.addContact("Known", "+7 916 555-44-33")
		if test.openCaseBefore {
			if _, err := env.crm.AddCase(env.ctx, CaseInput{Title: "Earlier", ContactID: contact.ID}); err != nil {
				t.Fatal(err)
			}
		}
		before := env.count("SELECT count(*) FROM cases")
		result, err := env.crm.ApplyCallPolicies(env.ctx, CallOutcome{CallID: "c", Direction: DirectionIn, Answered: true,
			Number: "89165554433", Operator: "boris", At: testStart})
		if err != nil {
			t.Fatal(err)
		}
		if !result.Known || result.ContactID != contact.ID || result.ContactCreated || result.CaseCreated != test.wantCase {
			t.Errorf("mode %q, open before %v: result %+v", test.mode, test.openCaseBefore, result)
		}
		if got := env.count("SELECT count(*) FROM cases") - before; got != btoi(test.wantCase) {
			t.Errorf("mode %q: %d new cases", test.mode, got)
		}
		if test.wantCase {
			record, _ := env.crm.GetCase(env.ctx, result.CaseID)
			if record.Kind != KindLead || record.Responsible != "anna" { // the contact's responsible
				t.Errorf("repeat case = %+v", record)
			}
		}
	}
}

func TestMissedCallLeadAndCallbackTask(t *testing.T) {
	settings := testSettings()
	settings.Policy.Missed = MissedCallPolicy{CreateLead: true, CallbackTask: true, CallbackAfter: 15 * time.Minute}
	env := newTestEnv(t, settings)
	missed := CallOutcome{CallID: "m1", Direction: DirectionIn, Number: "+7 916 555-44-33", Operator: "boris", At: testStart}
	result, err := env.crm.ApplyCallPolicies(env.ctx, missed)
	if err != nil {
		t.Fatal(err)
	}
	if result.ContactCreated || !result.CaseCreated || !result.TaskCreated {
		t.Fatalf("result = %+v, want a lead and a task", result)
	}
	lead, _ := env.crm.GetCase(env.ctx, result.CaseID)
	if lead.Kind != KindLead || lead.Title != "Unknown contact" || lead.Comment != "Missed" || lead.NumberRaw != "+7 916 555-44-33" {
		t.Errorf("lead = %+v", lead)
	}
	task, _ := env.crm.GetTask(env.ctx, result.TaskID)
	if task.Kind != TaskCallback || task.Assignee != "boris" || !task.DueAt.Equal(testStart.Add(15*time.Minute)) ||
		task.DialNumber != "+7 916 555-44-33" || task.SourceCallID != "m1" {
		t.Errorf("task = %+v", task)
	}

	// A second missed call from the number reuses the open callback task
	// and makes another lead (the lead is per call).
	missed.CallID = "m2"
	second, err := env.crm.ApplyCallPolicies(env.ctx, missed)
	if err != nil {
		t.Fatal(err)
	}
	if second.TaskCreated || second.TaskID != result.TaskID {
		t.Errorf("second missed call: %+v, want the task %d reused", second, result.TaskID)
	}

	// When the missed-call policy itself made a case, no extra lead.
	settings.Policy.MissedUnknown = UnknownNumberPolicy{Create: CreateContactAndCase}
	env2 := newTestEnv(t, settings)
	result, err = env2.crm.ApplyCallPolicies(env2.ctx, CallOutcome{CallID: "m3", Direction: DirectionIn, Number: "+7 916 555-44-34", At: testStart})
	if err != nil {
		t.Fatal(err)
	}
	if got := env2.count("SELECT count(*) FROM cases"); got != 1 || !result.ContactCreated {
		t.Errorf("%d cases, result %+v; want exactly the policy's case", got, result)
	}
	if task, _ := env2.crm.GetTask(env2.ctx, result.TaskID); task.ContactID != result.ContactID {
		t.Errorf("callback task not linked to the new contact: %+v", task)
	}

	// A missed call from a known contact gets a callback for their
	// responsible operator.
	known := env.addContact("Known", "+7 495 123-45-67")
	result, err = env.crm.ApplyCallPolicies(env.ctx, CallOutcome{CallID: "m4", Direction: DirectionIn, Number: "84951234567", Operator: "boris", At: testStart})
	if err != nil {
		t.Fatal(err)
	}
	task, _ = env.crm.GetTask(env.ctx, result.TaskID)
	if !result.Known || result.CaseCreated || !result.TaskCreated || task.ContactID != known.ID || task.Assignee != "anna" {
		t.Errorf("known missed: result %+v task %+v", result, task)
	}
}

func TestResponsibleAfterTransferAndRussianNames(t *testing.T) {
	settings := testSettings()
	settings.Language = LanguageRussian
	settings.TimeZone = "Europe/Moscow"
	settings.Policy = Policy{AnsweredUnknown: UnknownNumberPolicy{Create: CreateContact}, ResponsibleIsLastOperator: true}
	env := newTestEnv(t, settings)
	result, err := env.crm.ApplyCallPolicies(env.ctx, CallOutcome{CallID: "c", Direction: DirectionIn, Answered: true,
		Number: "+7 916 555-44-33", Operator: "boris", LastOperator: "vera", At: testStart})
	if err != nil {
		t.Fatal(err)
	}
	contact, _ := env.crm.GetContact(env.ctx, result.ContactID)
	if contact.Name != "Новый (19:30 05.03.2018, входящий звонок)" || contact.Responsible != "vera" {
		t.Errorf("contact %q responsible %q", contact.Name, contact.Responsible)
	}
	// Without the switch the one who answered is responsible.
	settings.Policy.ResponsibleIsLastOperator = false
	env2 := newTestEnv(t, settings)
	result, _ = env2.crm.ApplyCallPolicies(env2.ctx, CallOutcome{CallID: "c", Direction: DirectionIn, Answered: true,
		Number: "+7 916 555-44-33", Operator: "boris", LastOperator: "vera", At: testStart})
	if contact, _ := env2.crm.GetContact(env2.ctx, result.ContactID); contact.Responsible != "boris" {
		t.Errorf("responsible %q, want boris", contact.Responsible)
	}
}

func TestPoliciesSkipInternalAnonymousAndBlacklisted(t *testing.T) {
	settings := testSettings()
	settings.Policy = Policy{AnsweredUnknown: UnknownNumberPolicy{Create: CreateContactAndCase}, Missed: MissedCallPolicy{CallbackTask: true}}
	env := newTestEnv(t, settings)
	if _, err := env.crm.Block(env.ctx, BlockInput{Pattern: "+7 800", Prefix: true, Reason: "spam"}); err != nil {
		t.Fatal(err)
	}
	for number, want := range map[string]string{"101": SkippedInternal, "anonymous": SkippedInvalidNumber, "8 800 555 35 35": SkippedBlacklisted} {
		result, err := env.crm.ApplyCallPolicies(env.ctx, CallOutcome{CallID: number, Direction: DirectionIn, Answered: true, Number: number, At: testStart})
		if err != nil {
			t.Fatal(err)
		}
		if result.Skipped != want || result.ContactCreated || result.CaseCreated {
			t.Errorf("%s: result %+v, want skipped %s", number, result, want)
		}
	}
	if got := env.count("SELECT count(*) FROM contacts"); got != 0 {
		t.Errorf("%d contacts created", got)
	}
	// A blocked known contact gets no callback task, but the call is linked.
	known := env.addContact("Spammer", "+7 800 100-00-00")
	result, err := env.crm.ApplyCallPolicies(env.ctx, CallOutcome{CallID: "blocked-known", Direction: DirectionIn, Number: "88001000000", At: testStart})
	if err != nil {
		t.Fatal(err)
	}
	if result.Skipped != SkippedBlacklisted || !result.Known || result.ContactID != known.ID || result.TaskCreated {
		t.Errorf("blocked known caller: %+v", result)
	}
}

func TestApplyCallPoliciesIsIdempotent(t *testing.T) {
	settings := testSettings()
	settings.Policy = Policy{
		MissedUnknown: UnknownNumberPolicy{Create: CreateContactAndCase},
		Missed:        MissedCallPolicy{CreateLead: true, CallbackTask: true},
	}
	env := newTestEnv(t, settings)
	outcome := CallOutcome{CallID: "same", Direction: DirectionIn, Number: "+7 916 555-44-33", At: testStart}
	first, err := env.crm.ApplyCallPolicies(env.ctx, outcome)
	if err != nil {
		t.Fatal(err)
	}
	before := env.counts()
	for i := 0; i < 3; i++ {
		again, err := env.crm.ApplyCallPolicies(env.ctx, outcome)
		if err != nil {
			t.Fatal(err)
		}
		if !again.Replayed || again.ContactID != first.ContactID || again.CaseID != first.CaseID || again.TaskID != first.TaskID {
			t.Errorf("replay %d = %+v, first %+v", i, again, first)
		}
	}
	// Also across a restart.
	env.reopen(settings)
	if again, err := env.crm.ApplyCallPolicies(env.ctx, outcome); err != nil || !again.Replayed {
		t.Errorf("replay after restart = %+v, %v", again, err)
	}
	if after := env.counts(); !equalCounts(before, after) {
		t.Errorf("replays wrote rows: %v → %v", before, after)
	}
}

func TestApplyCallPoliciesValidates(t *testing.T) {
	env := newTestEnv(t, testSettings())
	for _, outcome := range []CallOutcome{{Direction: DirectionIn}, {CallID: "x", Direction: "sideways"}} {
		if _, err := env.crm.ApplyCallPolicies(env.ctx, outcome); !errors.Is(err, ErrInvalid) {
			t.Errorf("%+v: %v", outcome, err)
		}
	}
}

func TestSettingsValidation(t *testing.T) {
	for name, settings := range map[string]Settings{
		"language":        {Language: "de"},
		"region":          {DefaultRegion: "XX"},
		"zone":            {TimeZone: "Nowhere/Town"},
		"currency":        {DefaultCurrency: "rubles"},
		"create mode":     {Policy: Policy{AnsweredUnknown: UnknownNumberPolicy{Create: "everything"}}},
		"case kind":       {Policy: Policy{AnsweredUnknown: UnknownNumberPolicy{Create: CreateContactAndCase, CaseKind: "ticket"}}},
		"closed status":   {Policy: Policy{MissedUnknown: UnknownNumberPolicy{Create: CreateContactAndCase, CaseStatus: "won"}}},
		"repeat mode":     {Policy: Policy{RepeatCall: RepeatCallPolicy{Mode: "sometimes"}}},
		"status outcome":  {CaseStatuses: []CaseStatus{{Name: "x", Outcome: "maybe"}}},
		"no open status":  {CaseStatuses: []CaseStatus{{Name: "done", Outcome: CaseWon}}},
		"negative delay":  {Policy: Policy{Missed: MissedCallPolicy{CallbackTask: true, CallbackAfter: -time.Minute}}},
		"duplicate kinds": {CaseKinds: []string{"deal", "deal"}},
	} {
		env := newTestEnv(t, testSettings())
		if _, err := NewFromSQL(env.db.SQL(), settings); err == nil {
			t.Errorf("%s: settings accepted", name)
		}
	}
}
