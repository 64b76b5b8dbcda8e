package testpeer

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// processSpec describes one peer process to start. Output (stdout and
// stderr) goes to LogPath so a failing test can point at the full log.
type processSpec struct {
	Name    string
	Binary  string
	Args    []string
	Dir     string
	Env     []string
	LogPath string
}

// process is a started peer. It runs in its own process group so that Stop
// also reaches the workers Kamailio forks, which would otherwise outlive it.
type process struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	logFile *os.File

	exited  chan struct{}
	waitErr error

	stopOnce sync.Once
}

// startProcess starts spec with stdin from /dev/null and output appended to
// the log file.
func startProcess(spec processSpec) (*process, error) {
	logFile, err := os.OpenFile(spec.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open %s log: %w", spec.Name, err)
	}
	fmt.Fprintf(logFile, "=== %s start %s: %s %s\n", spec.Name,
		time.Now().Format(time.RFC3339Nano), spec.Binary, strings.Join(spec.Args, " "))

	cmd := exec.Command(spec.Binary, spec.Args...)
	cmd.Dir = spec.Dir
	if spec.Env != nil {
		cmd.Env = spec.Env
	}
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{
		// Own group: one kill reaches every forked worker.
		Setpgid: true,
		// Best effort if the test binary dies without running cleanups
		// (e.g. go test -timeout panics).
		Pdeathsig: syscall.SIGKILL,
	}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s (%s): %w", spec.Name, spec.Binary, err)
	}

	p := &process{
		name:    spec.Name,
		cmd:     cmd,
		logPath: spec.LogPath,
		logFile: logFile,
		exited:  make(chan struct{}),
	}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// PID returns the process id, which is also its process group id.
func (p *process) PID() int { return p.cmd.Process.Pid }

// Exited reports whether the process has already terminated.
func (p *process) Exited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// ExitError returns the result of Wait once the process has exited.
func (p *process) ExitError() error {
	<-p.exited
	return p.waitErr
}

// Stop sends SIGTERM to the whole group, waits up to grace, then SIGKILLs
// the group. It is safe to call more than once and from cleanups.
func (p *process) Stop(grace time.Duration) error {
	var stopErr error
	p.stopOnce.Do(func() {
		stopErr = p.stopGroup(grace)
		p.logFile.Close()
	})
	return stopErr
}

func (p *process) stopGroup(grace time.Duration) error {
	pgid := p.PID()
	if !p.Exited() {
		if err := syscall.Kill(-pgid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("SIGTERM %s group %d: %w", p.name, pgid, err)
		}
		select {
		case <-p.exited:
		case <-time.After(grace):
		}
	}
	// Always kill the group: the leader may be gone while forked children
	// (Kamailio workers) are still alive.
	if err := syscall.Kill(-pgid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("SIGKILL %s group %d: %w", p.name, pgid, err)
	}
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		return fmt.Errorf("%s (pid %d) did not exit 5 s after SIGKILL", p.name, pgid)
	}
	return waitGroupGone(pgid, 5*time.Second)
}

// waitGroupGone polls until no process is left in the group, so a following
// Restart can rebind the same ports.
func waitGroupGone(pgid int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		err := syscall.Kill(-pgid, 0)
		if errors.Is(err, syscall.ESRCH) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("process group %d still alive after %v", pgid, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// LogTail returns the last lines of the log for failure messages.
func (p *process) LogTail(lines int) string {
	return tailFile(p.logPath, lines)
}

func tailFile(path string, lines int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", path, err)
	}
	all := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}
