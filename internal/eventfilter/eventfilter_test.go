package eventfilter

import "testing"

func TestMatch(t *testing.T) {
	tests := []struct {
		filter Filter
		name   string
		want   bool
	}{
		{Filter{"call.ended"}, "call.ended", true},
		{Filter{"call.ended"}, "call.answered", false},
		{Filter{"call.*"}, "call.card", true},
		{Filter{"call.*"}, "callx.card", false},
		{Filter{"call.*"}, "crm.created", false},
		{Filter{"reg.ok", "*"}, "task.due", true},
		{nil, "call.ended", false},
	}
	for _, tt := range tests {
		if got := tt.filter.Match(tt.name); got != tt.want {
			t.Errorf("%v.Match(%q) = %t, want %t", tt.filter, tt.name, got, tt.want)
		}
	}
}
