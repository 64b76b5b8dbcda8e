package phone

import "testing"

func TestParseInfoDTMF(t *testing.T) {
	tests := []struct {
		name, contentType, body string
		want                    rune
	}{
		{"dtmf-relay", "application/dtmf-relay", "Signal=5\r\nDuration=160\r\n", '5'},
		{"dtmf-relay star", "application/dtmf-relay", "Signal=*\r\nDuration=100\r\n", '*'},
		{"dtmf-relay hash, LF only", "application/dtmf-relay", "Signal=#\nDuration=250\n", '#'},
		{"dtmf-relay spaces and case", "Application/DTMF-Relay", "signal = 9 \r\nduration= 160", '9'},
		{"dtmf-relay Duration first", "application/dtmf-relay", "Duration=160\r\nSignal=0\r\n", '0'},
		{"dtmf-relay letter in lower case", "application/dtmf-relay", "Signal=d\r\n", 'D'},
		{"dtmf-relay event code 11 is #", "application/dtmf-relay", "Signal=11\r\n", '#'},
		{"dtmf-relay event code 10 is *", "application/dtmf-relay", "Signal=10\r\n", '*'},
		{"dtmf-relay event code 15 is D", "application/dtmf-relay", "Signal=15\r\n", 'D'},
		{"dtmf-relay with parameters", "application/dtmf-relay; charset=utf-8", "Signal=3\r\n", '3'},
		{"application/dtmf", "application/dtmf", "7", '7'},
		{"application/dtmf with newline", "application/dtmf", "#\r\n", '#'},
		{"application/dtmf event code", "application/dtmf", "10", '*'},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !isInfoDTMF(tt.contentType) {
				t.Fatalf("content type %q not taken for DTMF", tt.contentType)
			}
			got, err := parseInfoDTMF(tt.contentType, []byte(tt.body))
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestParseInfoDTMFRejectsMalformedBodies(t *testing.T) {
	tests := []struct{ name, contentType, body string }{
		{"empty relay body", "application/dtmf-relay", ""},
		{"no Signal line", "application/dtmf-relay", "Duration=160\r\n"},
		{"empty signal", "application/dtmf-relay", "Signal=\r\n"},
		{"two keys", "application/dtmf-relay", "Signal=55\r\n"},
		{"not a key", "application/dtmf-relay", "Signal=x\r\n"},
		{"negative code", "application/dtmf-relay", "Signal=-1\r\n"},
		{"code out of range", "application/dtmf-relay", "Signal=16\r\n"},
		{"huge number", "application/dtmf-relay", "Signal=99999999999999999999999\r\n"},
		{"Signal without =", "application/dtmf-relay", "Signal 5\r\n"},
		{"overlong line", "application/dtmf-relay", "Signal=" + string(make([]byte, 8192))},
		{"binary", "application/dtmf-relay", "\x00\xff=\x80"},
		{"empty dtmf body", "application/dtmf", ""},
		{"two digits", "application/dtmf", "55"},
		{"unicode", "application/dtmf", "٣"},
		{"not DTMF content", "application/sdp", "Signal=5"},
		{"broken content type", "application/dtmf-relay; =", "Signal=5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := parseInfoDTMF(tt.contentType, []byte(tt.body)); err == nil {
				t.Errorf("accepted as %q", got)
			}
		})
	}
}

func TestIsInfoDTMF(t *testing.T) {
	for ct, want := range map[string]bool{
		"application/dtmf-relay":      true,
		"application/dtmf":            true,
		"APPLICATION/DTMF-RELAY":      true,
		"application/dtmf; x=y":       true,
		"application/sdp":             false,
		"application/media_control":   false,
		"":                            false,
		"application/dtmf-relay; =;;": false,
	} {
		if got := isInfoDTMF(ct); got != want {
			t.Errorf("isInfoDTMF(%q) = %v, want %v", ct, got, want)
		}
	}
}

func FuzzParseInfoDTMF(f *testing.F) {
	f.Add("application/dtmf-relay", []byte("Signal=5\r\nDuration=160\r\n"))
	f.Add("application/dtmf", []byte("#"))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		d, err := parseInfoDTMF(contentType, body) // must never panic
		if err == nil && !ValidDTMF(d) {
			t.Errorf("returned %q, not a DTMF key", d)
		}
	})
}
