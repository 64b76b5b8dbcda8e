package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard/switchboard/audio"
	"github.com/switchboard/switchboard/history"
	"github.com/switchboard/switchboard/internal/store"
	"github.com/switchboard/switchboard/internal/testpeer"
)

// historyConfig is a configuration whose clock times are UTC, so the test
// can compute days and hours by hand; extra goes at the top level.
func historyConfig(t *testing.T, extra string) string {
	t.Helper()
	return testConfig(t, "operator = \"alice\"\n"+extra+"\n[crm]\ndefault_country = \"RU\"\ntime_zone = \"UTC\"\n",
		account{Name: "desk", User: "1001", Listen: listenAddr(t, "udp")})
}

// seededCall is one call written straight into the history file, as the
// engine would have recorded it.
type seededCall struct {
	id, direction, number, result string
	startMinute                   int // minutes after the base time
	ringSeconds, talkSeconds      int
	recording                     string
}

// seedHistory writes calls into the configuration's database file and
// returns the base time they are relative to (two days ago, 10:00 UTC).
func seedHistory(t *testing.T, cfgPath string, calls []seededCall) time.Time {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(filepath.Dir(cfgPath), "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	repo := history.NewRepo(db)
	day := time.Now().UTC().AddDate(0, 0, -2)
	base := time.Date(day.Year(), day.Month(), day.Day(), 10, 0, 0, 0, time.UTC)
	for _, c := range calls {
		started := base.Add(time.Duration(c.startMinute) * time.Minute)
		ringing := started.Add(time.Second)
		record := history.Call{ID: c.id, Account: "desk", Direction: c.direction, RemoteNumber: c.number,
			RemoteURI: "sip:" + c.number + "@127.0.0.1", Operator: "alice", StartedAt: started, RingingAt: ringing, LastAliveAt: started}
		if c.direction == history.DirectionIn {
			record.DialledLine = "74950000000"
		}
		if err := repo.Start(ctx, record); err != nil {
			t.Fatal(err)
		}
		err := repo.Update(ctx, c.id, func(call *history.Call) {
			answered := ringing.Add(time.Duration(c.ringSeconds) * time.Second)
			call.EndedAt = answered
			if c.result == history.ResultAnswered {
				call.AnsweredAt = answered
				call.EndedAt = answered.Add(time.Duration(c.talkSeconds) * time.Second)
				call.Codec = "PCMU"
				call.Quality = history.Quality{LossPercent: 1, JitterMillis: 5, MOS: history.EstimateMOS(1, 5, 0)}
			}
			call.Result, call.Recording = c.result, c.recording
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return base
}

// stereoRecording writes a call recording: 440 Hz on the left (us), 1 kHz
// on the right (them).
func stereoRecording(t *testing.T, path string, d time.Duration) {
	t.Helper()
	const rate = 16000
	left, right := audio.Tone(440, rate, d, 0.4), audio.Tone(1000, rate, d, 0.4)
	interleaved := make([]int16, 0, 2*len(left))
	for i := range left {
		interleaved = append(interleaved, left[i], right[i])
	}
	if err := audio.WriteWAV(path, rate, 2, interleaved); err != nil {
		t.Fatal(err)
	}
}

type callListJSON struct {
	Calls []struct {
		ID          string `json:"id"`
		Result      string `json:"result"`
		ContactID   int64  `json:"contact_id"`
		Notes       string `json:"notes"`
		Disposition string `json:"disposition"`
		Tags        string `json:"tags"`
		TalkMS      int64  `json:"talk_ms"`
		RemoteE164  string `json:"remote_e164"`
	} `json:"calls"`
	NextCursor string `json:"next_cursor"`
}

func (l callListJSON) ids() []string {
	ids := make([]string, len(l.Calls))
	for i, c := range l.Calls {
		ids[i] = c.ID
	}
	return ids
}

// listIDs runs "history" with the filters and returns the ids listed.
func listIDs(t *testing.T, cfg string, filters ...string) []string {
	t.Helper()
	var list callListJSON
	sbJSON(t, exitOK, &list, append([]string{"--config", cfg, "history", "--json"}, filters...)...)
	return list.ids()
}

// TestHistoryCommands runs every history filter, the to-do list, the
// statistics and the annotations through the real binary on a real file,
// against expectations worked out by hand from the seeded calls.
func TestHistoryCommands(t *testing.T) {
	cfg := historyConfig(t, "")
	recording := filepath.Join(t.TempDir(), "c1.wav")
	stereoRecording(t, recording, 2*time.Second)
	seedHistory(t, cfg, []seededCall{
		{id: "c1", direction: "in", number: "+74951234567", result: "answered", startMinute: 0, ringSeconds: 5, talkSeconds: 60, recording: recording},
		{id: "c2", direction: "in", number: "+74957654321", result: "missed", startMinute: 10, ringSeconds: 10},
		{id: "c3", direction: "out", number: "84957654321", result: "no-answer", startMinute: 20, ringSeconds: 20},
		{id: "c4", direction: "in", number: "+79161112233", result: "missed", startMinute: 30, ringSeconds: 8},
		{id: "c5", direction: "out", number: "8 916 111-22-33", result: "answered", startMinute: 40, ringSeconds: 2, talkSeconds: 30},
		{id: "c6", direction: "in", number: "+79035550000", result: "missed", startMinute: 50, ringSeconds: 4,
			recording: filepath.Join(t.TempDir(), "gone.wav")},
	})
	// A contact added after the calls: her past call is linked to her.
	var ann contactJSON
	sbJSON(t, exitOK, &ann, "--config", cfg, "contacts", "add", "--name", "Ann", "--phone", "8 (495) 123-45-67", "--json")
	// Somebody already has a task to call +7 903 back.
	sbJSON(t, exitOK, nil, "--config", cfg, "tasks", "add", "--in", "30m", "--number", "+7 903 555-00-00")

	for _, tc := range []struct {
		name    string
		filters []string
		want    []string
	}{
		{"newest first", nil, []string{"c6", "c5", "c4", "c3", "c2", "c1"}},
		{"direction", []string{"--direction", "out"}, []string{"c5", "c3"}},
		{"results", []string{"--result", "missed,no-answer"}, []string{"c6", "c4", "c3", "c2"}},
		{"number in another spelling", []string{"--number", "8 (495) 765-43-21"}, []string{"c3", "c2"}},
		{"last digits", []string{"--number", "4567"}, []string{"c1"}},
		{"contact", []string{"--contact", jsonID(ann.ID)}, []string{"c1"}},
		{"operator", []string{"--operator", "bob"}, []string{}},
		{"dialled line", []string{"--line", "74950000000", "--result", "answered"}, []string{"c1"}},
		{"with recording", []string{"--with-recording"}, []string{"c6", "c1"}},
		{"longest", []string{"--sort", "longest", "--result", "answered"}, []string{"c1", "c5"}},
	} {
		if got := listIDs(t, cfg, tc.filters...); !slices.Equal(got, tc.want) {
			t.Errorf("%s %v: %v, want %v", tc.name, tc.filters, got, tc.want)
		}
	}
	// Keyset pages: one call per page, in order, then the end.
	var page callListJSON
	sbJSON(t, exitOK, &page, "--config", cfg, "history", "--json", "--limit", "4")
	var rest callListJSON
	sbJSON(t, exitOK, &rest, "--config", cfg, "history", "--json", "--limit", "4", "--cursor", page.NextCursor)
	if got := append(page.ids(), rest.ids()...); page.NextCursor == "" || rest.NextCursor != "" ||
		!slices.Equal(got, []string{"c6", "c5", "c4", "c3", "c2", "c1"}) {
		t.Errorf("pages %v then %v (cursors %q, %q)", page.ids(), rest.ids(), page.NextCursor, rest.NextCursor)
	}

	// c4 was called back (c5), c6 has an open task, c2's number was only
	// dialled without an answer: c2 is the to-do list.
	var missed []struct {
		Number   string `json:"number"`
		Attempts int    `json:"attempts"`
		Call     struct {
			ID string `json:"id"`
		} `json:"call"`
	}
	sbJSON(t, exitOK, &missed, "--config", cfg, "history", "missed", "--json")
	if len(missed) != 1 || missed[0].Call.ID != "c2" || missed[0].Number != "+74957654321" || missed[0].Attempts != 1 {
		t.Errorf("missed and not called back: %+v, want c2 only", missed)
	}

	// Annotations, and the filters that find them.
	sbJSON(t, exitOK, nil, "--config", cfg, "history", "note", "c2", "left a message about the Invoice")
	sbJSON(t, exitOK, nil, "--config", cfg, "history", "dispose", "c1", "Sale")
	sbJSON(t, exitOK, nil, "--config", cfg, "history", "tag", "c1", "VIP", "boiler")
	if errText := sbJSON(t, exitUsage, nil, "--config", cfg, "history", "dispose", "c1", "bogus"); !strings.Contains(errText, "resolved, callback, sale") {
		t.Errorf("unknown disposition: %q, want the allowed codes listed", errText)
	}
	sbJSON(t, exitUsage, nil, "--config", cfg, "history", "tag", "c1", "ok", "two words")
	for filter, want := range map[string][]string{"--notes": {"c2"}, "--disposition": {"c1"}, "--tag": {"c1"}} {
		value := map[string]string{"--notes": "INVOICE", "--disposition": "sale", "--tag": "vip"}[filter]
		if got := listIDs(t, cfg, filter, value); !slices.Equal(got, want) {
			t.Errorf("%s %s: %v, want %v", filter, value, got, want)
		}
	}
	var shown struct {
		ID              string `json:"id"`
		ContactID       int64  `json:"contact_id"`
		Disposition     string `json:"disposition"`
		Tags            string `json:"tags"`
		RemoteE164      string `json:"remote_e164"`
		TalkMS          int64  `json:"talk_ms"`
		RecordingStatus struct {
			Status string `json:"status"`
		} `json:"recording_status"`
	}
	sbJSON(t, exitOK, &shown, "--config", cfg, "history", "show", "c1", "--json")
	if shown.ContactID != ann.ID || shown.Disposition != "sale" || shown.Tags != "boiler vip" || shown.TalkMS != 60000 ||
		shown.RecordingStatus.Status != "ok" {
		t.Errorf("show c1: %+v", shown)
	}
	if errText := sbJSON(t, exitRuntime, nil, "--config", cfg, "history", "show", "nope"); !strings.Contains(errText, "not found") {
		t.Errorf("show of an unknown call: %q", errText)
	}

	// Statistics of the seeded day, worked out by hand.
	var stats struct {
		Total struct {
			Total               int   `json:"total"`
			Answered            int   `json:"answered"`
			Missed              int   `json:"missed"`
			MissedNotCalledBack int   `json:"missed_not_called_back"`
			TalkTime            int64 `json:"talk_time_ns"`
			AvgRingTime         int64 `json:"avg_ring_time_ns"`
		} `json:"total"`
		Dispositions []struct {
			Key   string `json:"key"`
			Total int    `json:"total"`
		} `json:"dispositions"`
	}
	sbJSON(t, exitOK, &stats, "--config", cfg, "history", "stats", "--since", "3d", "--json")
	total := stats.Total
	wantRing := (5 + 10 + 20 + 8 + 2 + 4) * time.Second / 6
	if total.Total != 6 || total.Answered != 2 || total.Missed != 3 || total.MissedNotCalledBack != 1 ||
		time.Duration(total.TalkTime) != 90*time.Second || (time.Duration(total.AvgRingTime)-wantRing).Abs() > time.Millisecond {
		t.Errorf("stats total %+v, want 6 calls, 2 answered, 3 missed, 1 not called back, 90 s talk, avg ring %v", total, wantRing)
	}
	if !slices.ContainsFunc(stats.Dispositions, func(d struct {
		Key   string `json:"key"`
		Total int    `json:"total"`
	}) bool {
		return d.Key == "sale" && d.Total == 1
	}) {
		t.Errorf("per disposition %+v, want sale: 1", stats.Dispositions)
	}
	code, out, errText := runSB(t, 30*time.Second, "--config", cfg, "history", "stats")
	if code != exitOK || !strings.Contains(strings.Join(out, "\n"), "per disposition") {
		t.Errorf("stats table: exit %d\n%s\n%s", code, strings.Join(out, "\n"), errText)
	}

	// CSV: a header and every call.
	code, out, errText = runSB(t, 30*time.Second, "--config", cfg, "history", "--csv")
	records, err := csv.NewReader(strings.NewReader(strings.Join(out, "\n"))).ReadAll()
	if code != exitOK || err != nil || len(records) != 7 {
		t.Errorf("--csv: exit %d, %d records, %v\n%s", code, len(records), err, errText)
	}

	// Bad input is a usage error, not a listing.
	for _, bad := range [][]string{{"--direction", "sideways"}, {"--result", "won"}, {"--since", "last tuesday"},
		{"--sort", "loudest"}, {"--cursor", "garbage"}, {"--json", "--csv"}} {
		sbJSON(t, exitUsage, nil, append([]string{"--config", cfg, "history"}, bad...)...)
	}
}

// Recordings: a missing file is reported in its row, never fails the
// listing; a recording is exported, played through the file backend, and
// purged by retention with the space it freed.
func TestHistoryRecordings(t *testing.T) {
	played := filepath.Join(t.TempDir(), "played.wav")
	cfg := testConfig(t, "[audio]\nbackend = \"file\"\nfile_output = \""+played+"\"\n[crm]\ntime_zone = \"UTC\"\n",
		account{Name: "desk", User: "1001", Listen: listenAddr(t, "udp")})
	recording := filepath.Join(t.TempDir(), "c1.wav")
	stereoRecording(t, recording, time.Second)
	seedHistory(t, cfg, []seededCall{
		{id: "c1", direction: "in", number: "+74951234567", result: "answered", ringSeconds: 5, talkSeconds: 60, recording: recording},
		{id: "c2", direction: "out", number: "+74957654321", result: "answered", startMinute: 5, talkSeconds: 10,
			recording: filepath.Join(t.TempDir(), "gone.wav")},
	})

	var listed struct {
		Recordings []struct {
			Status string `json:"status"`
			Bytes  int64  `json:"bytes"`
			Call   struct {
				ID string `json:"id"`
			} `json:"call"`
		} `json:"recordings"`
	}
	sbJSON(t, exitOK, &listed, "--config", cfg, "history", "recordings", "--json")
	statuses := map[string]string{}
	for _, r := range listed.Recordings {
		statuses[r.Call.ID] = r.Status
	}
	if statuses["c1"] != "ok" || statuses["c2"] != "missing" {
		t.Errorf("recordings %+v, want c1 ok and c2 missing", listed.Recordings)
	}
	if errText := sbJSON(t, exitRuntime, nil, "--config", cfg, "history", "play", "c2"); !strings.Contains(errText, "missing") {
		t.Errorf("playing a missing file: %q", errText)
	}

	// Both sides of the call, mixed, come out of the backend.
	sbJSON(t, exitOK, nil, "--config", cfg, "history", "play", "c1")
	clip, err := audio.ReadWAV(played)
	if err != nil {
		t.Fatal(err)
	}
	if left, right := audio.ToneLevel(clip.Samples, clip.Rate, 440), audio.ToneLevel(clip.Samples, clip.Rate, 1000); left < 0.1 || right < 0.1 {
		t.Errorf("played recording: 440 Hz at %.3f, 1 kHz at %.3f; want both sides audible", left, right)
	}

	exportDir := t.TempDir()
	sbJSON(t, exitOK, nil, "--config", cfg, "history", "export", "c1", exportDir)
	original, _ := os.ReadFile(recording)
	copied, err := os.ReadFile(filepath.Join(exportDir, "c1.wav"))
	if err != nil || !bytes.Equal(original, copied) {
		t.Errorf("exported copy differs from the recording (%v)", err)
	}

	// Retention: the calls are two days old.
	code, out, _ := runSB(t, 30*time.Second, "--config", cfg, "history", "purge", "--older-than", "1", "--dry-run")
	if code != exitOK || !strings.Contains(strings.Join(out, "\n"), "would delete 1 recording(s)") {
		t.Errorf("dry run: exit %d, %q", code, out)
	}
	if _, err := os.Stat(recording); err != nil {
		t.Fatalf("the dry run deleted the file: %v", err)
	}
	sbJSON(t, exitUsage, nil, "--config", cfg, "history", "purge") // retention_days is 0: nothing to go by
	code, out, _ = runSB(t, 30*time.Second, "--config", cfg, "history", "purge", "--older-than", "1")
	if code != exitOK || !strings.Contains(strings.Join(out, "\n"), "deleted 1 recording(s)") || !strings.Contains(strings.Join(out, "\n"), "KiB freed") {
		t.Errorf("purge: exit %d, %q", code, out)
	}
	if _, err := os.Stat(recording); !os.IsNotExist(err) {
		t.Errorf("recording still there after the purge: %v", err)
	}
	var after callListJSON
	sbJSON(t, exitOK, &after, "--config", cfg, "history", "--json", "--with-recording")
	if len(after.Calls) != 0 {
		t.Errorf("calls still with a recording after the purge: %v", after.ids())
	}
	if got := listIDs(t, cfg); !slices.Equal(got, []string{"c2", "c1"}) {
		t.Errorf("the purge lost calls: %v", got)
	}
}

// A switchboard killed with SIGKILL in the middle of a real call (to a
// baresip phone through Kamailio) leaves the call in the history; the next
// start marks it interrupted, ending when it was last known alive.
func TestKilledMidCallIsInterruptedAfterRestart(t *testing.T) {
	requirePeers(t, "kamailio", "baresip")
	k := testpeer.StartKamailio(t, testpeer.KamailioOptions{})
	far := testpeer.StartBaresip(t, testpeer.BaresipOptions{User: "1002", Password: "secret1002",
		Registrar: k.Addr("udp"), AutoAnswer: true, ToneHz: 1000})
	cfg := testConfig(t, "", account{Name: "desk", User: "1001", Password: "secret1001", Registrar: k.Addr("udp"),
		Listen: listenAddr(t, "udp")})

	sb := startSB(t, "--config", cfg, "dial", "1002", "--play", toneWAV(t, 440, 8000, 5*time.Second),
		"--hangup-after", "120s", "--json")
	var answered jsonEvent
	if err := json.Unmarshal([]byte(sb.waitLine(`"call.answered"`, 20*time.Second)), &answered); err != nil || answered.CallID == "" {
		t.Fatalf("call.answered without a call id: %v", err)
	}
	far.WaitEvent(t, "CALL_ESTABLISHED", 10*time.Second)
	// Past one heartbeat (every 5 s), so "last known alive" is after the answer.
	time.Sleep(7 * time.Second)
	if err := syscall.Kill(-sb.cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	sb.wait(10 * time.Second)

	var live struct {
		Result      string    `json:"result"`
		AnsweredAt  time.Time `json:"answered_at"`
		LastAliveAt time.Time `json:"last_alive_at"`
	}
	sbJSON(t, exitOK, &live, "--config", cfg, "history", "show", answered.CallID, "--json")
	if live.Result != "" || live.AnsweredAt.IsZero() || !live.LastAliveAt.After(live.AnsweredAt) {
		t.Fatalf("after the kill the row is %+v, want a live call, answered, with a heartbeat after the answer", live)
	}

	// The restart: any command that runs the phone recovers the history.
	code, out, errText := runSB(t, 30*time.Second, "--config", cfg, "dial", "1002", "--hangup-after", "1s", "--json")
	if code != exitOK || !strings.Contains(errText, "1 call(s) were interrupted") {
		t.Fatalf("restart: exit %d\n%s\n%s", code, strings.Join(out, "\n"), errText)
	}
	var after struct {
		Result      string    `json:"result"`
		AnsweredAt  time.Time `json:"answered_at"`
		EndedAt     time.Time `json:"ended_at"`
		LastAliveAt time.Time `json:"last_alive_at"`
		TalkMS      int64     `json:"talk_ms"`
		RemoteE164  string    `json:"remote_e164"`
	}
	sbJSON(t, exitOK, &after, "--config", cfg, "history", "show", answered.CallID, "--json")
	if after.Result != "interrupted" || !after.EndedAt.Equal(after.LastAliveAt) || after.TalkMS < 4000 {
		t.Errorf("after the restart %+v, want interrupted, ended at the last heartbeat, at least 4 s of talk", after)
	}
	if got := listIDs(t, cfg, "--result", "interrupted"); !slices.Equal(got, []string{answered.CallID}) {
		t.Errorf("interrupted calls %v, want just %s", got, answered.CallID)
	}
}

// "history play" through the real sound card (a PulseAudio null sink): both
// sides of the recording come out of the speaker.
func TestHistoryPlayOnSoundCard(t *testing.T) {
	requirePeers(t, "pulseaudio", "pacat")
	pulse := testpeer.StartPulse(t)
	cfg := testConfig(t, soundCardConfig+"[crm]\ntime_zone = \"UTC\"\n", account{Name: "desk", User: "1001", Listen: listenAddr(t, "udp")})
	recording := filepath.Join(t.TempDir(), "c1.wav")
	stereoRecording(t, recording, 20*time.Second)
	seedHistory(t, cfg, []seededCall{{id: "c1", direction: "in", number: "+74951234567", result: "answered",
		talkSeconds: 20, recording: recording}})

	sb := startSBEnv(t, pulse.Env(), "--config", cfg, "history", "play", "c1")
	// Listen once the player says the audio is on its way (start-up is
	// slow on a busy machine), then stop it as an operator would, with
	// Ctrl-C.
	sb.waitLine("playing ", 30*time.Second)
	time.Sleep(500 * time.Millisecond)
	heard := pulse.Record(t, "spk.monitor", 2*time.Second)
	sb.interrupt()
	if code := sb.wait(20 * time.Second); code != exitOK {
		t.Fatalf("play: exit %d\n%s\n%s", code, strings.Join(sb.output(), "\n"), sb.errText())
	}
	left, right := audio.ToneLevel(heard, testpeer.PulseRate, 440), audio.ToneLevel(heard, testpeer.PulseRate, 1000)
	t.Logf("speaker: 440 Hz at %.3f, 1 kHz at %.3f", left, right)
	if left < 0.05 || right < 0.05 {
		t.Errorf("speaker: 440 Hz at %.3f, 1 kHz at %.3f; want both sides of the call audible", left, right)
	}
	if out := strings.Join(sb.output(), "\n"); !strings.Contains(out, "played 0:0") || strings.Contains(out, "played 0:20") {
		t.Errorf("play said %q, want part of the 20 s played before Ctrl-C", out)
	}
	assertNoSoundSystemNoise(t, sb.errText())
}
