package portaudio

import (
	"log/slog"
	"os"
	"syscall"
	"testing"
)

func slogNew(h slog.Handler) *slog.Logger { return slog.New(h) }

// dupFD2 makes f the process's fd 2 and returns a copy of the old one.
func dupFD2(t *testing.T, f *os.File) int {
	t.Helper()
	saved, err := syscall.Dup(2)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Dup3(int(f.Fd()), 2, 0); err != nil {
		t.Fatal(err)
	}
	return saved
}

func restoreFD2(saved int) {
	_ = syscall.Dup3(saved, 2, 0)
	syscall.Close(saved)
}
