package main

import (
	"reflect"
	"testing"

	"github.com/switchboard/switchboard/internal/engine"
)

func TestLinkTarget(t *testing.T) {
	good := map[string]string{
		"tel:+44-20-7946-0000":                 "tel:+44-20-7946-0000",
		"tel:+44%2020%207946%200000":           "tel:+44 20 7946 0000",
		"TEL://+442079460000":                  "tel:+442079460000",
		" sip:1002@pbx.example.com ":           "sip:1002@pbx.example.com",
		"sips:alice@example.com;transport=tls": "sips:alice@example.com;transport=tls",
	}
	for link, want := range good {
		if got, err := linkTarget(link); err != nil || got != want {
			t.Errorf("linkTarget(%q) = %q, %v; want %q", link, got, err, want)
		}
	}
	for _, link := range []string{"http://example.com", "+442079460000", "tel:", "tel:%zz", "callto:alice"} {
		if got, err := linkTarget(link); err == nil || exitCodeOf(err) != exitUsage {
			t.Errorf("linkTarget(%q) = %q, %v; want a usage error", link, got, err)
		}
	}
}

func TestParseKeyValues(t *testing.T) {
	got, err := parseKeyValues([]string{"target=sip:1002@h", "note=a=b", "empty="})
	want := map[string]any{"target": "sip:1002@h", "note": "a=b", "empty": ""}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("parseKeyValues = %v, %v", got, err)
	}
	for _, bad := range [][]string{{"target"}, {"=x"}, {"a=1", "a=2"}} {
		if _, err := parseKeyValues(bad); exitCodeOf(err) != exitUsage {
			t.Errorf("parseKeyValues(%q): %v, want a usage error", bad, err)
		}
	}
}

func TestNoticeTapReachesLateReceiversUntilRemoved(t *testing.T) {
	var tap noticeTap
	var first, late []string
	notify := tap.wrap(func(n engine.Notice) { first = append(first, n.Kind) })
	notify(engine.Notice{Kind: "call.card"})
	remove := tap.add(func(n engine.Notice) { late = append(late, n.Kind) })
	notify(engine.Notice{Kind: "task.due"})
	remove()
	notify(engine.Notice{Kind: "crm.created"})
	if !reflect.DeepEqual(first, []string{"call.card", "task.due", "crm.created"}) || !reflect.DeepEqual(late, []string{"task.due"}) {
		t.Errorf("session notify saw %v, late receiver %v", first, late)
	}
}
