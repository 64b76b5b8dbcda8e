//go:build linux

package portaudio

/*
#include <stdio.h>
#include <unistd.h>

// ALSA's default error handler, libjack and PortAudio's own debug prints all
// write through C's stderr FILE. Pointing that variable at a pipe moves their
// noise off the terminal without touching fd 2, so Go's own fatal errors
// still reach it. glibc documents stderr as an assignable variable.
static FILE *sbSavedStderr;

static int sbSwapStderr(int fd) {
	FILE *f = fdopen(fd, "w");
	if (f == NULL) {
		return -1;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	sbSavedStderr = stderr;
	stderr = f;
	return 0;
}

// Only called once PortAudio is terminated, so no audio thread can still
// be writing to the FILE being closed.
static void sbRestoreStderr(void) {
	FILE *f = stderr;
	if (sbSavedStderr == NULL) {
		return;
	}
	stderr = sbSavedStderr;
	sbSavedStderr = NULL;
	fclose(f);
}
*/
import "C"

import (
	"bufio"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"syscall"
	"time"
)

// noise collects what the C libraries print while PortAudio is in use and
// forwards it to the log at Debug: a TUI owns the terminal, and lines like
// "ALSA lib pcm.c:2666:(snd_pcm_open_noupdate) Unknown PCM cards.pcm.rear"
// or "jack server is not running" would corrupt it.
//
// Two mechanisms share one pipe. C's stderr FILE is swapped for the whole
// time a Host is open, which also catches the messages PortAudio's ALSA
// thread prints when a device dies mid-stream (outside any call of ours).
// Around every PortAudio call fd 2 itself is redirected too, for code that
// writes to the descriptor directly.
type noise struct {
	r    *os.File // read end, pollable
	wfd  int      // write end, non-blocking
	done chan struct{}
	// depth counts active fd 2 redirects; only used with the PortAudio
	// lock held.
	depth int
}

// startNoise begins capturing; called with the PortAudio lock held.
func startNoise() (*noise, error) {
	var fds [2]int
	if err := syscall.Pipe2(fds[:], syscall.O_CLOEXEC|syscall.O_NONBLOCK); err != nil {
		return nil, fmt.Errorf("stderr pipe: %w", err)
	}
	// The write end stays non-blocking (os.File.Fd would make it blocking):
	// if the forwarder lags and the pipe fills, a C write fails rather than
	// stalling an audio thread.
	r := os.NewFile(uintptr(fds[0]), "portaudio-stderr")
	fd, err := syscall.Dup(fds[1])
	if err != nil {
		r.Close()
		syscall.Close(fds[1])
		return nil, fmt.Errorf("dup stderr pipe: %w", err)
	}
	if C.sbSwapStderr(C.int(fd)) != 0 {
		syscall.Close(fd)
		r.Close()
		syscall.Close(fds[1])
		return nil, fmt.Errorf("fdopen stderr pipe")
	}
	n := &noise{r: r, wfd: fds[1], done: make(chan struct{})}
	go n.forward()
	return n, nil
}

func (n *noise) forward() {
	defer close(n.done)
	scanner := bufio.NewScanner(n.r)
	scanner.Buffer(make([]byte, 4096), 64*1024)
	for scanner.Scan() {
		if line := strings.TrimSpace(scanner.Text()); line != "" {
			logger().Debug("portaudio: native library output", "line", line)
		}
	}
}

// stop restores C's stderr and ends the forwarder; called with the lock
// held after Pa_Terminate. fd 2 may still point at the pipe (the caller's
// redirect is undone after this), so EOF is not guaranteed: the forwarder
// gets a short deadline to drain what is there.
func (n *noise) stop() {
	C.sbRestoreStderr()
	syscall.Close(n.wfd)
	_ = n.r.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	<-n.done
	n.r.Close()
}

// redirectFD2 points fd 2 at the pipe until the returned function is called.
// Failures leave fd 2 alone: noise on the terminal beats losing stderr.
// Go's own fatal errors would go into the pipe too and vanish with the
// process, so while fd 2 is redirected the runtime also writes crash
// reports to the real stderr (switchboard sets no other crash output).
// Nested calls (PortAudio calls inside a redirected call) are no-ops.
func (n *noise) redirectFD2() (restore func()) {
	n.depth++
	if n.depth > 1 {
		return func() { n.depth-- }
	}
	saved, err := syscall.Dup(2)
	if err != nil {
		n.depth--
		return func() {}
	}
	if err := syscall.Dup3(n.wfd, 2, 0); err != nil {
		syscall.Close(saved)
		n.depth--
		return func() {}
	}
	terminal := os.NewFile(uintptr(saved), "stderr")
	_ = debug.SetCrashOutput(terminal, debug.CrashOptions{})
	return func() {
		_ = syscall.Dup3(saved, 2, 0)
		_ = debug.SetCrashOutput(nil, debug.CrashOptions{})
		terminal.Close()
		n.depth--
	}
}
