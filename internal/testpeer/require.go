// Package testpeer starts real SIP peers (Kamailio, baresip, SIPp) on
// 127.0.0.1 for integration tests and cleans them up afterwards.
//
// Every process binds and sends to 127.0.0.1 only, runs in its own process
// group and is killed in t.Cleanup, also when the test fails.
package testpeer

import (
	"os"
	"os/exec"
	"testing"
)

// requirePeersEnv is set by `make test`, which installs the peers; there a
// missing binary is a broken setup rather than a reason to skip.
const requirePeersEnv = "SWITCHBOARD_REQUIRE_PEERS"

// Require skips the test when one of the binaries is not on PATH, or fails
// it when SWITCHBOARD_REQUIRE_PEERS=1.
func Require(t testing.TB, binaries ...string) {
	t.Helper()
	var missing []string
	for _, name := range binaries {
		if _, err := exec.LookPath(name); err != nil {
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 {
		return
	}
	if os.Getenv(requirePeersEnv) == "1" {
		t.Fatalf("testpeer: missing binaries %v but %s=1; the peer install step of `make test` did not work", missing, requirePeersEnv)
	}
	t.Skipf("testpeer: missing binaries %v; run `make test` to install the real peers", missing)
}
