package crm

import (
	"errors"
	"strings"
	"testing"
)

func TestParseAndFormatAmount(t *testing.T) {
	tests := []struct {
		text, currency string
		want           int64
		wantErr        bool
	}{
		{"1 234,56", "RUB", 123456, false},
		{"1,234.56", "USD", 123456, false},
		{"1.234,56", "EUR", 123456, false},
		{"1234.5", "RUB", 123450, false},
		{"12,5", "RUB", 1250, false},
		{"1,234", "RUB", 123400, false}, // a thousands separator, since RUB has two decimals
		{"1.234.567", "RUB", 123456700, false},
		{"1'234.50", "CHF", 123450, false},
		{"-10", "RUB", -1000, false},
		{"1500", "JPY", 1500, false},
		{"1.234", "KWD", 1234, false}, // three decimals
		{"0,5", "RUB", 50, false},
		{"12.345", "RUB", 1234500, false}, // one dot before three digits groups thousands
		{"1.5", "JPY", 0, true},
		{"", "RUB", 0, true},
		{"abc", "RUB", 0, true},
		{"1e5", "RUB", 0, true},
		{"+5", "RUB", 0, true},
	}
	for _, test := range tests {
		got, err := ParseAmount(test.text, test.currency)
		if (err != nil) != test.wantErr || got != test.want {
			t.Errorf("ParseAmount(%q, %s) = %d, %v; want %d (error %v)", test.text, test.currency, got, err, test.want, test.wantErr)
		}
		if err == nil {
			formatted := strings.TrimSuffix(FormatAmount(got, test.currency), " "+test.currency)
			if back, err := ParseAmount(formatted, test.currency); err != nil || back != got {
				t.Errorf("FormatAmount(%d, %s) = %q does not read back: %d, %v", got, test.currency, FormatAmount(got, test.currency), back, err)
			}
		}
	}
	for _, test := range []struct {
		minor    int64
		currency string
		want     string
	}{
		{123456, "RUB", "1234.56 RUB"}, {-5, "USD", "-0.05 USD"}, {1500, "JPY", "1500 JPY"}, {1234, "KWD", "1.234 KWD"}, {7, "", "0.07"},
	} {
		if got := FormatAmount(test.minor, test.currency); got != test.want {
			t.Errorf("FormatAmount(%d, %q) = %q, want %q", test.minor, test.currency, got, test.want)
		}
	}
}

func TestCaseLifeCycle(t *testing.T) {
	settings := testSettings()
	settings.CaseStatuses = []CaseStatus{
		{Name: "new", Outcome: CaseOpen},
		{Name: "paid", Outcome: CaseWon, Kinds: []string{KindOrder}},
		{Name: "refused", Outcome: CaseLost},
		{Name: "won", Outcome: CaseWon},
	}
	env := newTestEnv(t, settings)
	contact := env.addContact("Ivan", "+7 495 123-45-67")
	order, err := env.crm.AddCase(env.ctx, CaseInput{Kind: KindOrder, Title: "Laptop", ContactID: contact.ID, AmountMinor: 9990000, Product: "X1", SourceCallID: "c1"})
	if err != nil {
		t.Fatal(err)
	}
	if order.Status != "new" || order.State != CaseOpen || order.Currency != "RUB" || order.ContactName != "Ivan" {
		t.Errorf("order = %+v", order)
	}
	if _, err := env.crm.AddCase(env.ctx, CaseInput{Kind: KindDeal, Title: "x", Status: "paid"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("status of another kind: %v", err)
	}
	if _, err := env.crm.AddCase(env.ctx, CaseInput{Kind: "ticket", Title: "x"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown kind: %v", err)
	}
	amount := int64(100)
	edited, err := env.crm.EditCase(env.ctx, order.ID, CasePatch{AmountMinor: &amount})
	if err != nil || edited.AmountMinor != 100 {
		t.Errorf("edit: %+v %v", edited, err)
	}
	closed, err := env.crm.CloseCase(env.ctx, order.ID, "paid")
	if err != nil || closed.State != CaseWon || closed.ClosedAt.IsZero() {
		t.Fatalf("close: %+v %v", closed, err)
	}
	if _, err := env.crm.CloseCase(env.ctx, order.ID, "won"); !errors.Is(err, ErrClosed) {
		t.Errorf("closing twice: %v", err)
	}
	reopen := "new"
	reopened, err := env.crm.EditCase(env.ctx, order.ID, CasePatch{Status: &reopen})
	if err != nil || reopened.State != CaseOpen || !reopened.ClosedAt.IsZero() {
		t.Errorf("reopen: %+v %v", reopened, err)
	}
	lost, err := env.crm.CloseCase(env.ctx, order.ID, "lost") // the outcome word picks the first lost status
	if err != nil || lost.Status != "refused" || lost.State != CaseLost {
		t.Errorf("close as lost: %+v %v", lost, err)
	}
	if _, err := env.crm.AddCase(env.ctx, CaseInput{Title: "Lead", ContactID: contact.ID}); err != nil {
		t.Fatal(err)
	}
	open, err := env.crm.ListCases(env.ctx, CaseFilter{ContactID: contact.ID, State: CaseOpen})
	if err != nil || len(open) != 1 || open[0].Kind != KindLead {
		t.Errorf("open cases = %+v, %v", open, err)
	}
	all, _ := env.crm.ListCases(env.ctx, CaseFilter{})
	if len(all) != 2 {
		t.Errorf("%d cases", len(all))
	}
	if _, err := env.crm.GetCase(env.ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown case: %v", err)
	}
}

func TestOperatorsAndCompanies(t *testing.T) {
	env := newTestEnv(t, testSettings())
	for _, operator := range []Operator{{Name: "anna", Extension: "101"}, {Name: "boris", Extension: "102"}, {Name: "anna", Extension: "103"}} {
		if err := env.crm.SaveOperator(env.ctx, operator); err != nil {
			t.Fatal(err)
		}
	}
	operators, err := env.crm.Operators(env.ctx)
	if err != nil || len(operators) != 2 || operators[0].Extension != "103" {
		t.Errorf("operators = %+v, %v", operators, err)
	}
	if err := env.crm.SaveOperator(env.ctx, Operator{Name: AutoCreator}); !errors.Is(err, ErrInvalid) {
		t.Errorf("reserved name: %v", err)
	}
	if err := env.crm.RemoveOperator(env.ctx, "boris"); err != nil {
		t.Fatal(err)
	}
	if err := env.crm.RemoveOperator(env.ctx, "boris"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second removal: %v", err)
	}
	for _, name := range []string{"Ромашка", "Лютик"} {
		if _, err := env.crm.AddContact(env.ctx, ContactInput{Name: "x", Company: name}); err != nil {
			t.Fatal(err)
		}
	}
	companies, err := env.crm.FindCompanies(env.ctx, "РОМ", 10)
	if err != nil || len(companies) != 1 || companies[0].Name != "Ромашка" || companies[0].Contacts != 1 {
		t.Errorf("companies = %+v, %v", companies, err)
	}
}
