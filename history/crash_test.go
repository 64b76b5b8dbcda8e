//go:build unix

package history

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/store"
)

// crashHelperDBEnv tells the re-executed test binary to act as the phone
// process that gets killed, and where its database is.
const crashHelperDBEnv = "SWITCHBOARD_HISTORY_CRASH_HELPER_DB"

// crashHelperReady is printed by the helper once every write is committed.
const crashHelperReady = "ready"

// Times the helper records; the parent checks them after the kill.
func crashLastHeartbeat() time.Time { return baseTime().Add(15 * time.Second) }
func crashAnsweredAt() time.Time    { return baseTime().Add(2 * time.Second) }

// TestHelperProcess is not a test: it is the child process of
// TestCallSurvivesProcessKill. It writes like the phone does during a call,
// then waits to be killed without closing anything.
func TestHelperProcess(t *testing.T) {
	dbPath := os.Getenv(crashHelperDBEnv)
	if dbPath == "" {
		t.Skip("helper process for TestCallSurvivesProcessKill")
	}
	ctx := context.Background()
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(2)
	}
	repo := NewRepo(db)
	if err := writeCallsBeforeCrash(ctx, repo); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(2)
	}
	fmt.Println(crashHelperReady)
	// Deliberately no db.Close: the parent kills us mid-call.
	time.Sleep(time.Hour)
	os.Exit(3) // only reached if the parent failed to kill us
}

func writeCallsBeforeCrash(ctx context.Context, repo *Repo) error {
	finished := incomingCall("finished-before-crash")
	if err := repo.Start(ctx, finished); err != nil {
		return err
	}
	err := repo.Update(ctx, finished.ID, func(c *Call) {
		c.AnsweredAt = baseTime().Add(time.Second)
		c.EndedAt = baseTime().Add(9 * time.Second)
		c.Result = ResultAnswered
		c.HangupBy = HangupLocal
	})
	if err != nil {
		return err
	}

	live := incomingCall("live-at-crash")
	if err := repo.Start(ctx, live); err != nil {
		return err
	}
	if err := repo.Update(ctx, live.ID, func(c *Call) { c.AnsweredAt = crashAnsweredAt() }); err != nil {
		return err
	}
	for _, heartbeat := range []time.Time{baseTime().Add(5 * time.Second), baseTime().Add(10 * time.Second), crashLastHeartbeat()} {
		if err := repo.Touch(ctx, live.ID, heartbeat); err != nil {
			return err
		}
	}
	return nil
}

func TestCallSurvivesProcessKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dbPath := filepath.Join(t.TempDir(), "crash.db")

	child := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	child.Env = append(os.Environ(), crashHelperDBEnv+"="+dbPath)
	var childStderr bytes.Buffer
	child.Stderr = &childStderr
	childStdout, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	// Whatever happens below, do not leave the child running.
	defer func() { _ = child.Process.Kill() }()

	if err := waitForReady(childStdout); err != nil {
		_ = child.Process.Kill()
		_ = child.Wait() // stderr is complete only once the child is reaped
		t.Fatalf("%v; helper stderr:\n%s", err, childStderr.String())
	}

	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill helper: %v", err)
	}
	err = child.Wait()
	status, ok := child.ProcessState.Sys().(syscall.WaitStatus)
	if !ok || !status.Signaled() || status.Signal() != syscall.SIGKILL {
		t.Fatalf("helper did not die by SIGKILL: %v (stderr: %s)", err, childStderr.String())
	}
	// The commits must still be sitting in the write-ahead log, not yet
	// checkpointed: that is the state a real crash leaves behind.
	if info, err := os.Stat(dbPath + "-wal"); err != nil || info.Size() == 0 {
		t.Fatalf("expected a non-empty WAL file after the kill: %v", err)
	}

	ctx := context.Background()
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer db.Close()
	repo := NewRepo(db)

	restartTime := baseTime().Add(time.Hour)
	closed, err := repo.MarkInterrupted(ctx, restartTime)
	if err != nil {
		t.Fatal(err)
	}
	if closed != 1 {
		t.Errorf("MarkInterrupted closed %d calls, want 1", closed)
	}

	live := mustGet(t, repo, "live-at-crash")
	if live.Result != ResultInterrupted {
		t.Errorf("live call result = %q, want %q", live.Result, ResultInterrupted)
	}
	if !live.EndedAt.Equal(crashLastHeartbeat()) || !live.LastAliveAt.Equal(crashLastHeartbeat()) {
		t.Errorf("live call ended %v (last alive %v), want the last heartbeat %v",
			live.EndedAt, live.LastAliveAt, crashLastHeartbeat())
	}
	if !live.AnsweredAt.Equal(crashAnsweredAt()) || live.TalkTime() != 13*time.Second {
		t.Errorf("live call answered %v talk %v, want %v and 13s", live.AnsweredAt, live.TalkTime(), crashAnsweredAt())
	}

	finished := mustGet(t, repo, "finished-before-crash")
	if finished.Result != ResultAnswered || finished.TalkTime() != 8*time.Second {
		t.Errorf("finished call changed by the crash: %+v", finished)
	}
}

// waitForReady blocks until the helper prints its ready line. It fails if
// the helper exits first or stays silent for too long.
func waitForReady(childStdout io.Reader) error {
	ready := make(chan bool, 1)
	go func() {
		lines := bufio.NewScanner(childStdout)
		for lines.Scan() {
			if lines.Text() == crashHelperReady {
				ready <- true
				return
			}
		}
		ready <- false
	}()
	select {
	case ok := <-ready:
		if !ok {
			return errors.New("helper exited before becoming ready")
		}
		return nil
	case <-time.After(30 * time.Second):
		return errors.New("helper not ready after 30s")
	}
}
