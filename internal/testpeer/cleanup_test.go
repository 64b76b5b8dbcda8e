package testpeer

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// processAlive reports whether pid exists and is not a zombie.
func processAlive(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	fields := strings.Fields(string(stat))
	return len(fields) > 2 && fields[2] != "Z"
}

// groupAlive reports whether any process is left in process group pgid.
func groupAlive(pgid int) bool {
	return !errors.Is(syscall.Kill(-pgid, 0), syscall.ESRCH)
}

// TestCleanupKillsEveryPeer runs peers in a subtest that fails, then checks
// that its cleanups left no process of those groups behind.
func TestCleanupKillsEveryPeer(t *testing.T) {
	var groups []int
	t.Run("peers", func(t *testing.T) {
		k := StartKamailio(t, KamailioOptions{})
		phone := StartBaresip(t, BaresipOptions{User: "1001", Password: "secret1001", Registrar: k.Addr("udp")})
		groups = append(groups, k.PID(), phone.PID())
		// Leave mid-test with everything running, as a failing test would.
		t.SkipNow()
	})
	for _, pgid := range groups {
		if groupAlive(pgid) {
			t.Errorf("process group %d still alive after cleanup", pgid)
		}
	}
}
