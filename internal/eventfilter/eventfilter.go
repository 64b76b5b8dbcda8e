// Package eventfilter matches event names ("call.ended") against the
// patterns a configuration lists: exact names, groups ("call.*") and "*".
// Webhooks and hooks share it, so both read a pattern the same way the
// control socket's subscribe does.
package eventfilter

import "strings"

// Filter is a list of patterns; an empty one matches nothing (a webhook or
// hook must say what it wants).
type Filter []string

// Match tells whether name is wanted.
func (f Filter) Match(name string) bool {
	for _, pattern := range f {
		switch {
		case pattern == "*" || pattern == name:
			return true
		case strings.HasSuffix(pattern, ".*") && strings.HasPrefix(name, strings.TrimSuffix(pattern, "*")):
			return true
		}
	}
	return false
}
