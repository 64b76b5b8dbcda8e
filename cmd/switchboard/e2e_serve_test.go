package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/testpeer"
)

// With no configuration at all, the bare command writes the default file, opens its
// database and answers SIP on 127.0.0.1:5060; Ctrl-C ends it cleanly.
func TestFirstStartWithoutConfigListensOn5060(t *testing.T) {
	requirePeers(t, "sipp")
	if c, err := net.ListenPacket("udp", "127.0.0.1:5060"); err != nil {
		t.Skipf("127.0.0.1:5060 is taken on this machine (%v); the default listener cannot be tested", err)
	} else {
		_ = c.Close()
	}
	sb := startSB(t)
	sb.waitLine("waiting for calls", 10*time.Second)
	home := envValue(sb.cmd.Env, "XDG_CONFIG_HOME")
	data := envValue(sb.cmd.Env, "XDG_DATA_HOME")
	if _, err := os.Stat(filepath.Join(home, "switchboard", "config.toml")); err != nil {
		t.Errorf("default configuration not written: %v", err)
	}
	if _, err := os.Stat(filepath.Join(data, "switchboard", "switchboard.db")); err != nil {
		t.Errorf("history database not created: %v", err)
	}
	// A real SIP peer reaches the default listener: SIPp's OPTIONS gets an answer.
	res, err := testpeer.RunSIPp(t, ctxTimeout(t, 30*time.Second), "-sf", scenarioFile(t, "options.xml", optionsXML),
		"127.0.0.1:5060", "-m", "1", "-timeout", "10s")
	if err != nil || res.ExitCode != 0 {
		t.Errorf("OPTIONS to 127.0.0.1:5060 not answered: exit %d %v\n%s", res.ExitCode, err, res.Stderr)
	}
	sb.interrupt()
	if code := sb.wait(10 * time.Second); code != exitOK {
		t.Errorf("exit %d after Ctrl-C, want 0", code)
	}
}

// A call longer than calls.max_duration is hung up by us.
func TestMaxCallDuration(t *testing.T) {
	requirePeers(t, "baresip")
	far := testpeer.StartBaresip(t, testpeer.BaresipOptions{User: "1002", AutoAnswer: true})
	cfg := testConfig(t, "[calls]\nmax_duration = \"2s\"\n", account{Name: "desk", User: "1001", Listen: listenAddr(t, "udp")})
	code, out, errText := runSB(t, 30*time.Second, "--config", cfg, "dial", far.URI(), "--json")
	if code != exitOK {
		t.Fatalf("exit %d\n%v\n%s", code, out, errText)
	}
	evs := parseEvents(t, out)
	end := evs[len(evs)-1]
	if end.Event != "call.ended" || end.Reason != "maximum call duration reached" || end.TalkMS < 1800 || end.TalkMS > 5000 {
		t.Errorf("call.ended %+v, want ended by the 2 s limit", end)
	}
	far.WaitEvent(t, "CALL_CLOSED", 10*time.Second)
}

// Passwords stay out of the log file even at debug level.
func TestPasswordNeverLogged(t *testing.T) {
	requirePeers(t, "kamailio")
	k := testpeer.StartKamailio(t, testpeer.KamailioOptions{})
	cfg := testConfig(t, "", account{Name: "desk", User: "1001", Password: "secret1001",
		Registrar: k.Addr("udp"), Listen: listenAddr(t, "udp")})
	if code, out, errText := runSB(t, 20*time.Second, "--config", cfg, "register", "--json"); code != exitOK {
		t.Fatalf("register: exit %d\n%v\n%s", code, out, errText)
	}
	log, err := os.ReadFile(filepath.Join(filepath.Dir(cfg), "switchboard.log"))
	if err != nil {
		t.Fatal(err)
	}
	if len(log) == 0 || !strings.Contains(string(log), "REGISTER") {
		t.Fatalf("the debug log should show the SIP traffic; got %d bytes", len(log))
	}
	if strings.Contains(string(log), "secret1001") {
		t.Error("the password appears in the log file")
	}
}

const optionsXML = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="options">
  <send retrans="500"><![CDATA[
OPTIONS sip:switchboard@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:probe@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:switchboard@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 OPTIONS
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="200" />
</scenario>
`

func envValue(env []string, key string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, key+"="); ok {
			return v
		}
	}
	return ""
}

// `serve` is the headless bare command by name: events printed, Ctrl-C ends
// it cleanly.
func TestServeRunsHeadless(t *testing.T) {
	cfg := testConfig(t, "", account{Name: "desk", User: "1001", Listen: listenAddr(t, "udp")})
	sb := startSB(t, "--config", cfg, "serve")
	sb.waitLine("[desk] 1001 listening on udp", 10*time.Second)
	sb.waitLine("waiting for calls", 10*time.Second)
	sb.interrupt()
	if code := sb.wait(10 * time.Second); code != exitOK {
		t.Errorf("exit %d after Ctrl-C, want 0", code)
	}
}
