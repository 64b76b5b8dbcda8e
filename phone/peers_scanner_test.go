package phone

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/testpeer"
)

// sipvicious (svmap, svwar, svcrack) against a phone with the default
// [security] settings, on 127.0.0.1 with the phone's port only. The
// scanners run from 127.0.0.1; the caller who must still get through calls
// from 127.0.0.2.

// runScanner runs one sipvicious tool with its HOME in a scratch folder
// (it saves sessions under ~/.sipvicious) and returns what it printed.
func runScanner(t *testing.T, ctx context.Context, tool string, args ...string) string {
	t.Helper()
	for _, a := range args {
		if a == "-R" || strings.HasPrefix(a, "--reportback") {
			t.Fatalf("%s %v: never report back to the internet", tool, args)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, tool, args...)
	cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8"}
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("%s: %v\n%s", tool, err, out)
	}
	t.Logf("%s %s:\n%s", tool, strings.Join(args, " "), out)
	return string(out)
}

// versionish: a software name followed by a version number, or the SIP
// stack's own names.
var versionish = regexp.MustCompile(`(?i)(/\s*v?\d+\.\d+|sipgo|diago|sip go)`)

// svmap finds a SIP device but learns no version or stack; svwar cannot
// tell our extension from any other; svcrack cracks nothing; a normal call
// from another address gets through while svcrack runs.
func TestSipviciousLearnsNothing(t *testing.T) {
	requirePeers(t, "svmap", "svwar", "svcrack", "sipp")
	p, events, listen := startPhoneAccount(t, "1001", Options{Security: defaultSecurity, MaxCalls: 8}, nil)
	_, port, _ := net.SplitHostPort(listen)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	go answerIVR(p, events)

	target := "127.0.0.1"
	scan := runScanner(t, ctx, "svmap", "-p", port, "-b", target, target)
	if !strings.Contains(scan, "127.0.0.1:"+port) {
		t.Errorf("svmap did not find the phone (the scan itself is broken?)")
	}
	if m := versionish.FindString(scan); m != "" || !strings.Contains(scan, "| switchboard ") {
		t.Errorf("svmap learned %q about the software; want the plain name switchboard", m)
	}
	// The same scan of a phone with show_version = true does see it: the
	// check above is able to fail.
	sec := defaultSecurity
	sec.ShowVersion = true
	_, _, shown := startPhoneAccount(t, "1001", Options{Security: sec, Version: "9.8.7"}, nil)
	_, shownPort, _ := net.SplitHostPort(shown)
	if m := versionish.FindString(runScanner(t, ctx, "svmap", "-p", shownPort, "-b", target, target)); m != "/9.8" {
		t.Errorf("svmap of a show_version phone found %q, want its version", m)
	}
	for _, method := range []string{"REGISTER", "OPTIONS", "INVITE"} {
		out := runScanner(t, ctx, "svwar", "-m", method, "-e", "990-1010", "-p", port, "-b", target, target)
		if extensionListed(out, "1001") || !strings.Contains(out, "found nothing") {
			t.Errorf("svwar -m %s enumerated extensions; want \"found nothing\"", method)
		}
	}

	legit := make(chan error, 1)
	go func() {
		scenario := testpeer.WriteSIPpScenario(t, "legit", fmt.Sprintf(sippDialogXML, ""))
		r, err := testpeer.RunSIPp(t, ctx, "-sf", scenario, "-i", "127.0.0.2", "-timeout", "20s", "-trace_err", listen)
		if err == nil && r.ExitCode != 0 {
			err = fmt.Errorf("exit %d\n%s", r.ExitCode, tail(r.Stderr, 1500))
		}
		legit <- err
	}()
	crack := runScanner(t, ctx, "svcrack", "-u", "1001", "-r", "1000-1300", "-p", port, "-b", target, target)
	if extensionListed(crack, "1001") || !strings.Contains(crack, "found nothing") {
		t.Errorf("svcrack reported a password for 1001; want \"found nothing\"")
	}
	if err := <-legit; err != nil {
		t.Errorf("a normal call during the scans: %v", err)
	}
}

// extensionListed: svwar prints found extensions as "| 1001 | reqauth |"
// rows of a table.
func extensionListed(out, ext string) bool {
	return regexp.MustCompile(`\|\s*` + regexp.QuoteMeta(ext) + `\s*\|`).MatchString(out)
}

// answerIVR answers the legitimate caller (SIPp user "ivr") and refuses
// whatever else rings (scanners' INVITEs) until the phone closes.
func answerIVR(p *Phone, events *Subscription) {
	for ev := range events.C {
		if ev.Kind != CallIncoming {
			continue
		}
		c, ok := p.Call(ev.CallID)
		if !ok {
			continue
		}
		if ev.Number == "ivr" {
			_ = c.Answer(Media{})
		} else {
			_ = c.Reject(486)
		}
	}
}
