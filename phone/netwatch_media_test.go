package phone

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/switchboard/switchboard/config"
)

// A call answered after the network moved offers media on the new address
// and names it in the Contact: SIPp checks the c= line of the 200 OK and
// sends its ACK and BYE to that Contact. The address source is faked; the
// registrar is a silent port on 127.0.0.1 (only the watcher needs one), and
// 127.0.0.2 is loopback, so no traffic leaves the host.
func TestCallAfterNetChangeUsesNewMediaAddress(t *testing.T) {
	requirePeers(t, "sipp")
	_, port, err := net.SplitHostPort(freeUDP(t))
	if err != nil {
		t.Fatal(err)
	}
	src := newFakeAddrs("127.0.0.1", "127.0.0.1")
	acct := config.Account{Name: "1001", User: "1001", Domain: "127.0.0.1", Registrar: freeUDP(t),
		Register: true, Listen: "0.0.0.0:" + port, Transport: "udp", AutoAnswer: true,
		Expires: config.Duration{Duration: time.Hour}, RetryInterval: config.Duration{Duration: time.Hour}}
	p, err := New(Options{Accounts: []config.Account{acct}, Codecs: []string{"PCMU"},
		NetPoll: 50 * time.Millisecond, netAddrs: src, AutoAnswer: func(*Call) Media { return Media{} }})
	if err != nil {
		t.Fatal(err)
	}
	events := p.Subscribe()
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)

	src.set("127.0.0.2", "127.0.0.1", "127.0.0.2")
	if ch := next(t, events, NetChanged); ch.LocalAddr != "127.0.0.2" {
		t.Fatalf("network.changed to %q, want 127.0.0.2", ch.LocalAddr)
	}
	xml := `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="call after a network change">
` + sippCallUs("2000", "n", "", "") + `
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rrs="true">
    <action>
      <ereg regexp="c=IN IP4 127\.0\.0\.2" search_in="body" check_it="true" assign_to="cline"/>
      <ereg regexp="@127\.0\.0\.2:" search_in="hdr" header="Contact:" check_it="true" assign_to="contact"/>
    </action>
  </recv>
  <Reference variables="cline,contact"/>
` + sippInDialog("ACK", "2000", "n", 1) + `
  <pause milliseconds="500"/>
` + sippInDialog("BYE", "2000", "n", 2) + `
  <recv response="200"/>
</scenario>
`
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	if err := <-runSIPpAsync(t, ctx, "netchange_call", xml, "127.0.0.1:"+port); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, events, CallEnded); ev.Result != ResultAnswered {
		t.Errorf("call ended %s (%s), want answered", ev.Result, ev.Reason)
	}
}
