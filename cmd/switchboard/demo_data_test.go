package main

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/crm"
	"github.com/switchboard/switchboard/history"
	"github.com/switchboard/switchboard/internal/store"
)

func TestDemoDataFillsADatabase(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "demo.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := newCRM(db, config.Default())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	repo := history.NewRepo(db)
	now := time.Now()
	n, err := generateDemoData(ctx, c, repo, now, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	if n.Contacts != demoContacts || n.Calls != demoCalls || n.Cases == 0 || n.Tasks == 0 || n.Missed == 0 {
		t.Fatalf("counts %+v", n)
	}
	found, err := c.FindContacts(ctx, "", 1000)
	if err != nil || len(found) != demoContacts {
		t.Fatalf("%d contacts, %v", len(found), err)
	}
	cases, err := c.ListCases(ctx, crm.CaseFilter{State: crm.CaseOpen})
	if err != nil || len(cases) != n.Cases || cases[0].AmountMinor == 0 {
		t.Fatalf("cases %d (want %d), %v", len(cases), n.Cases, err)
	}
	overdue, err := c.ListTasks(ctx, crm.TaskFilter{View: crm.TasksOverdue, Now: now})
	if err != nil || len(overdue) == 0 {
		t.Fatalf("%d overdue tasks, %v", len(overdue), err)
	}
	missed, _, err := repo.List(ctx, history.Filter{Results: []string{history.ResultMissed}}, history.Page{Size: 500})
	if err != nil || len(missed) != n.Missed {
		t.Fatalf("%d missed calls (want %d), %v", len(missed), n.Missed, err)
	}
	linked, _, err := repo.List(ctx, history.Filter{ContactID: found[0].ID}, history.Page{Size: 500})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v; %d calls of %s", n, len(linked), found[0].Name)
}
