package history

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

func searchNotes(t *testing.T, repo *Repo, needle string) []string {
	t.Helper()
	calls, _, err := repo.List(context.Background(), Filter{NotesText: needle}, Page{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range calls {
		ids = append(ids, c.ID)
	}
	return ids
}

// TestSetNotesLikeAnEditor saves notes keystroke by keystroke, as a
// debounced editor would, and checks that the search index follows.
func TestSetNotesLikeAnEditor(t *testing.T) {
	repo, db := openTestRepo(t)
	ctx := context.Background()
	mustStart(t, repo, incomingCall("call-1"))
	mustStart(t, repo, incomingCall("call-2"))

	text := ""
	for _, r := range "Kunde möchte Rückruf wegen Rechnung" {
		text += string(r)
		if err := repo.SetNotes(ctx, "call-1", text); err != nil {
			t.Fatal(err)
		}
	}
	if got := mustGet(t, repo, "call-1").Notes; got != text {
		t.Fatalf("notes = %q, want %q", got, text)
	}
	if got := searchNotes(t, repo, "RÜCKRUF"); !slices.Equal(got, []string{"call-1"}) {
		t.Errorf("search for the saved text found %v", got)
	}

	// Saving the same text again writes nothing (no row change, so no
	// trigger and no index churn).
	for range 3 {
		if err := repo.SetNotes(ctx, "call-1", text); err != nil {
			t.Fatal(err)
		}
	}
	result, err := db.SQL().ExecContext(ctx, setNotesSQL, text, "call-1", text)
	if err != nil {
		t.Fatal(err)
	}
	if changed, _ := result.RowsAffected(); changed != 0 {
		t.Errorf("saving unchanged notes changed %d rows", changed)
	}

	// Rewriting the notes removes the old words from the index.
	if err := repo.SetNotes(ctx, "call-1", "erledigt"); err != nil {
		t.Fatal(err)
	}
	if got := searchNotes(t, repo, "Rechnung"); len(got) != 0 {
		t.Errorf("old notes still found: %v", got)
	}
	if got := searchNotes(t, repo, "ledig"); !slices.Equal(got, []string{"call-1"}) {
		t.Errorf("new notes not found: %v", got)
	}
	if err := repo.SetNotes(ctx, "call-1", ""); err != nil {
		t.Fatal(err)
	}
	if got := searchNotes(t, repo, "ledig"); len(got) != 0 {
		t.Errorf("cleared notes still found: %v", got)
	}
	// Notes written by Update are indexed too.
	mustUpdate(t, repo, "call-2", func(c *Call) { c.Notes = "via update: 100% sicher_" })
	for _, needle := range []string{"via", "100%", "r_", "%", "_"} {
		if got := searchNotes(t, repo, needle); !slices.Equal(got, []string{"call-2"}) {
			t.Errorf("search %q found %v", needle, got)
		}
	}
	if got := searchNotes(t, repo, `"quoted"`); len(got) != 0 {
		t.Errorf("quotes in the needle: %v", got)
	}
	if err := repo.SetNotes(ctx, "missing", "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetNotes of unknown call = %v, want ErrNotFound", err)
	}
	if err := repo.RebuildNotesIndex(ctx); err != nil {
		t.Fatal(err)
	}
	if got := searchNotes(t, repo, "sicher"); !slices.Equal(got, []string{"call-2"}) {
		t.Errorf("after rebuild: %v", got)
	}
}

func TestSetters(t *testing.T) {
	repo, _ := openTestRepo(t)
	ctx := context.Background()
	mustStart(t, repo, incomingCall("call-1"))

	if err := repo.SetDisposition(ctx, "call-1", "  sale "); err != nil {
		t.Fatal(err)
	}
	if err := repo.SetTransfer(ctx, "call-1", "sip:bob@example.org"); err != nil {
		t.Fatal(err)
	}
	if err := repo.SetQuality(ctx, "call-1", Quality{LossPercent: 1, JitterMillis: 20, DelayMillis: 100}); err != nil {
		t.Fatal(err)
	}
	got := mustGet(t, repo, "call-1")
	if got.Disposition != "sale" || got.TransferTarget != "sip:bob@example.org" {
		t.Errorf("disposition %q, transfer %q", got.Disposition, got.TransferTarget)
	}
	want := Quality{LossPercent: 1, JitterMillis: 20, DelayMillis: 100, MOS: EstimateMOS(1, 20, 100)}
	if got.Quality != want || !got.Quality.Measured() {
		t.Errorf("quality = %+v, want %+v", got.Quality, want)
	}
	// A measured MOS is kept as given; a second identical call is a no-op.
	for range 2 {
		if err := repo.SetQuality(ctx, "call-1", Quality{LossPercent: 2, MOS: 3.1}); err != nil {
			t.Fatal(err)
		}
	}
	if q := mustGet(t, repo, "call-1").Quality; q != (Quality{LossPercent: 2, MOS: 3.1}) {
		t.Errorf("quality = %+v", q)
	}
	for name, q := range map[string]Quality{"negative": {LossPercent: -1}, "loss over 100": {LossPercent: 101}, "MOS 7": {MOS: 7}} {
		if err := repo.SetQuality(ctx, "call-1", q); !errors.Is(err, ErrInvalidCall) {
			t.Errorf("%s: SetQuality = %v, want ErrInvalidCall", name, err)
		}
	}
	for name, set := range map[string]func() error{
		"disposition": func() error { return repo.SetDisposition(ctx, "missing", "x") },
		"transfer":    func() error { return repo.SetTransfer(ctx, "missing", "x") },
		"quality":     func() error { return repo.SetQuality(ctx, "missing", Quality{MOS: 4}) },
		"add tag":     func() error { return repo.AddTag(ctx, "missing", "x") },
		"remove tag":  func() error { return repo.RemoveTag(ctx, "missing", "x") },
	} {
		if err := set(); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s of unknown call = %v, want ErrNotFound", name, err)
		}
	}
}

func TestTags(t *testing.T) {
	repo, _ := openTestRepo(t)
	ctx := context.Background()
	mustStart(t, repo, incomingCall("call-1"))
	mustStart(t, repo, incomingCall("call-2"))
	for _, tag := range []string{"VIP", " urgent", "vip", "Rückruf"} {
		if err := repo.AddTag(ctx, "call-1", tag); err != nil {
			t.Fatal(err)
		}
	}
	if err := repo.AddTag(ctx, "call-2", "vip"); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, repo, "call-1"); got.Tags != "rückruf urgent vip" || !slices.Equal(got.TagList(), []string{"rückruf", "urgent", "vip"}) {
		t.Errorf("tags = %q", got.Tags)
	}
	if err := repo.RemoveTag(ctx, "call-1", "URGENT"); err != nil {
		t.Fatal(err)
	}
	if err := repo.RemoveTag(ctx, "call-1", "never-set"); err != nil {
		t.Errorf("removing an absent tag: %v", err)
	}
	if got := mustGet(t, repo, "call-1").Tags; got != "rückruf vip" {
		t.Errorf("after remove: tags = %q", got)
	}
	counts, err := repo.TagCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := []TagCount{{"rückruf", 1}, {"vip", 2}}; !slices.Equal(counts, want) {
		t.Errorf("TagCounts = %v, want %v", counts, want)
	}
	for _, bad := range []string{"", "  ", "two words", "tab\there"} {
		if err := repo.AddTag(ctx, "call-1", bad); !errors.Is(err, ErrInvalidTag) {
			t.Errorf("AddTag(%q) = %v, want ErrInvalidTag", bad, err)
		}
	}
	// Tags and CalledBackAt are read-only through Start and Update.
	mustUpdate(t, repo, "call-2", func(c *Call) { c.Tags, c.CalledBackAt = "forged", baseTime() })
	replay := incomingCall("call-3")
	replay.Tags = "forged"
	mustStart(t, repo, replay)
	for _, id := range []string{"call-2", "call-3"} {
		if got := mustGet(t, repo, id); got.Tags == "forged" || !got.CalledBackAt.IsZero() {
			t.Errorf("%s: read-only fields were written: %+v", id, got)
		}
	}
	// A tagged call's start time follows into the tag index.
	mustUpdate(t, repo, "call-2", func(c *Call) { c.StartedAt = baseTime().Add(time.Hour) })
	tagged, _, err := repo.List(ctx, Filter{Tag: "vip", From: baseTime().Add(30 * time.Minute)}, Page{})
	if err != nil {
		t.Fatal(err)
	}
	assertIDs(t, tagged, "call-2")
}

func TestLinkContact(t *testing.T) {
	repo, _ := openTestRepo(t)
	ctx := context.Background()
	for i, e164 := range []string{"+4930111", "+4930111", "+4930222", "", "+4930111"} {
		call := incomingCall(fmt.Sprintf("call-%d", i))
		call.RemoteE164 = e164
		call.StartedAt = baseTime().Add(time.Duration(i) * time.Minute)
		if i == 1 {
			call.ContactID = 99 // linked to someone else before
		}
		mustStart(t, repo, call)
	}
	n, err := repo.LinkContact(ctx, "+4930111", 7)
	if err != nil || n != 3 {
		t.Fatalf("LinkContact = %d, %v; want 3", n, err)
	}
	if n, err := repo.LinkContact(ctx, "+4930111", 7); err != nil || n != 0 {
		t.Errorf("second LinkContact = %d, %v; want 0 (already linked)", n, err)
	}
	calls, _, err := repo.ContactHistory(ctx, 7, Page{})
	if err != nil {
		t.Fatal(err)
	}
	assertIDs(t, calls, "call-4", "call-1", "call-0")
	if got := mustGet(t, repo, "call-2").ContactID; got != 0 {
		t.Errorf("another number was linked: %d", got)
	}
	if n, err := repo.LinkContact(ctx, "+4930111", 0); err != nil || n != 3 {
		t.Errorf("unlink = %d, %v; want 3", n, err)
	}
	if _, err := repo.LinkContact(ctx, "", 7); !errors.Is(err, ErrInvalidCall) {
		t.Errorf("LinkContact of empty number = %v", err)
	}
	if _, err := repo.LinkContact(ctx, "+1", -2); !errors.Is(err, ErrInvalidCall) {
		t.Errorf("LinkContact of negative id = %v", err)
	}
}

func TestBackfillE164(t *testing.T) {
	repo, _ := openTestRepo(t)
	ctx := context.Background()
	for i, raw := range []string{"030 111", "030 111", "0170 2", "201", ""} {
		call := incomingCall(fmt.Sprintf("call-%d", i))
		call.RemoteNumber, call.RemoteE164 = raw, ""
		mustStart(t, repo, call)
	}
	already := incomingCall("done")
	already.RemoteNumber, already.RemoteE164 = "030 111", "+49111-kept"
	mustStart(t, repo, already)
	normalise := map[string]string{"030 111": "+4930111", "0170 2": "+491702"}
	n, err := repo.BackfillE164(ctx, func(raw string) string { return normalise[raw] })
	if err != nil || n != 3 {
		t.Fatalf("BackfillE164 = %d, %v; want 3", n, err)
	}
	for id, want := range map[string]string{"call-0": "+4930111", "call-1": "+4930111", "call-2": "+491702", "call-3": "", "call-4": "", "done": "+49111-kept"} {
		if got := mustGet(t, repo, id).RemoteE164; got != want {
			t.Errorf("%s: e164 %q, want %q", id, got, want)
		}
	}
	if n, err := repo.LinkContact(ctx, "+4930111", 3); err != nil || n != 2 {
		t.Errorf("LinkContact after backfill = %d, %v; want 2", n, err)
	}
}

// TestUpdateWritesOnlyChangedColumns: an event that changes nothing
// writes nothing, and one that changes a field leaves the rest alone.
func TestUpdateWritesOnlyChangedColumns(t *testing.T) {
	stored := incomingCall("x")
	updated := stored
	if set, _ := changedColumns(&stored, &updated); set != "" {
		t.Errorf("no change gives %q", set)
	}
	updated.Codec, updated.RemoteNumber = "opus", "+4930999"
	set, values := changedColumns(&stored, &updated)
	if set != "remote_number = ?, remote_digits_rev = ?, codec = ?" || len(values) != 3 || values[1] != "9990394" {
		t.Errorf("changed columns %q %v", set, values)
	}
}
