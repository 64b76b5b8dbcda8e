package history

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestExportCSV(t *testing.T) {
	repo, _ := openTestRepo(t)
	ctx := context.Background()
	answered := incomingCall("answered")
	answered.RingingAt = baseTime().Add(time.Second)
	answered.AnsweredAt = baseTime().Add(4 * time.Second)
	answered.EndedAt = baseTime().Add(64 * time.Second)
	answered.Result = ResultAnswered
	answered.DisplayName = "=HYPERLINK(\"http://evil\")"
	answered.Notes = "line one\nline two, with \"quotes\""
	answered.ContactID = 12
	mustStart(t, repo, answered)
	if err := repo.SetQuality(ctx, "answered", Quality{LossPercent: 0.5, JitterMillis: 10, MOS: 4.2}); err != nil {
		t.Fatal(err)
	}
	if err := repo.AddTag(ctx, "answered", "vip"); err != nil {
		t.Fatal(err)
	}
	missed := incomingCall("missed")
	missed.StartedAt = baseTime().Add(time.Hour)
	missed.Result = ResultMissed
	missed.RemoteNumber = "-1"
	mustStart(t, repo, missed)

	var out bytes.Buffer
	berlin := loadZone(t, "Europe/Berlin")
	if err := repo.ExportCSV(ctx, &out, Filter{}, SortOldest, berlin); err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatalf("export is not valid CSV: %v\n%s", err, out.String())
	}
	if len(records) != 3 || !slices.Equal(records[0], csvHeader) {
		t.Fatalf("records = %q", records)
	}
	row := map[string]string{}
	for i, name := range csvHeader {
		row[name] = records[1][i]
	}
	for column, want := range map[string]string{
		"id":            "answered",
		"started_at":    "2026-03-14T16:09:26.535+01:00",
		"answered_at":   "2026-03-14T16:09:30.535+01:00",
		"ring_ms":       "3000",
		"talk_ms":       "60000",
		"display_name":  "'=HYPERLINK(\"http://evil\")",
		"notes":         answered.Notes,
		"tags":          "vip",
		"contact_id":    "12",
		"case_id":       "",
		"mos":           "4.2",
		"loss_pct":      "0.5",
		"delay_ms":      "0",
		"remote_number": "+4930123456", // a number, not a formula
	} {
		if row[column] != want {
			t.Errorf("%s = %q, want %q", column, row[column], want)
		}
	}
	if got := records[2][slices.Index(csvHeader, "remote_number")]; got != "-1" {
		t.Errorf("numeric cell was changed: %q", got)
	}
	if got := records[2][slices.Index(csvHeader, "mos")]; got != "" {
		t.Errorf("unmeasured MOS exported as %q", got)
	}

	// An empty export still has its header.
	out.Reset()
	if err := repo.ExportCSV(ctx, &out, Filter{Operator: "nobody"}, SortNewest, nil); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(out.String()); got != strings.Join(csvHeader, ",") {
		t.Errorf("empty export = %q", got)
	}
}

func TestDefuseFormula(t *testing.T) {
	for cell, want := range map[string]string{
		"": "", "plain": "plain", "=1+1": "'=1+1", "@SUM(A1)": "'@SUM(A1)", "+49 30 123": "+49 30 123",
		"-12.5": "-12.5", "+cmd|' /C calc'!A0": "'+cmd|' /C calc'!A0", "-x": "'-x", "\tx": "'\tx",
	} {
		if got := defuseFormula(cell); got != want {
			t.Errorf("defuseFormula(%q) = %q, want %q", cell, got, want)
		}
	}
}

func TestCallJSON(t *testing.T) {
	call := incomingCall("json")
	call.AnsweredAt = baseTime().Add(2 * time.Second)
	call.EndedAt = baseTime().Add(12 * time.Second)
	call.Result = ResultAnswered
	encoded, err := json.Marshal(call)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(encoded, &fields); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]any{"id": "json", "talk_ms": 10000.0, "ring_ms": 0.0, "result": "answered",
		"remote_e164": "", "started_at": "2026-03-14T15:09:26.535Z"} {
		if fields[name] != want {
			t.Errorf("%s = %v (%T), want %v", name, fields[name], fields[name], want)
		}
	}
	for _, absent := range []string{"ringing_at", "called_back_at", "quality", "contact_id"} {
		if _, ok := fields[absent]; ok {
			t.Errorf("unknown %s should be left out: %s", absent, encoded)
		}
	}
	var back Call
	if err := json.Unmarshal(encoded, &back); err != nil || back != call {
		t.Errorf("round trip: %+v, %v", back, err)
	}
}

func TestAllWalksEveryPage(t *testing.T) {
	repo, _ := openTestRepo(t)
	ctx := context.Background()
	const n = exportPageSize + 5
	for i := range n {
		call := incomingCall(fmt.Sprintf("c%04d", i))
		call.StartedAt = baseTime().Add(time.Duration(i) * time.Second)
		mustStart(t, repo, call)
	}
	count := 0
	for call, err := range repo.All(ctx, Filter{}, SortOldest) {
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("c%04d", count); call.ID != want {
			t.Fatalf("call %d is %s, want %s", count, call.ID, want)
		}
		count++
	}
	if count != n {
		t.Fatalf("All yielded %d calls, want %d", count, n)
	}
	for _, err := range repo.All(ctx, Filter{Direction: "bad"}, SortNewest) {
		if err == nil {
			t.Fatal("invalid filter yielded a call")
		}
		break
	}
}
