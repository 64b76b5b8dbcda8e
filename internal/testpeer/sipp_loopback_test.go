package testpeer

import "testing"

// SIPp may bind another loopback address (a second "host" for per-source
// limits) but nothing off this machine, and only with -i.
func TestSIPpArgsLoopbackOnly(t *testing.T) {
	for _, tc := range []struct {
		args []string
		ok   bool
	}{
		{[]string{"-i", "127.0.0.2", "127.0.0.1:5060"}, true},
		{[]string{"-i", "127.0.0.1", "127.0.0.1:5060"}, true},
		{[]string{"-i", "10.0.0.1", "127.0.0.1:5060"}, false},
		{[]string{"-i", "::1", "127.0.0.1:5060"}, false},
		{[]string{"-mi", "127.0.0.2", "127.0.0.1:5060"}, false},
		{[]string{"-i", "127.0.0.2", "127.0.0.2:5060"}, false},
	} {
		_, _, err := sippArgs(tc.args)
		if (err == nil) != tc.ok {
			t.Errorf("sippArgs(%v): error %v, want ok=%t", tc.args, err, tc.ok)
		}
	}
}
