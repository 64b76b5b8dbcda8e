package config

import (
	"strings"
)

// keyIndex maps TOML paths ("accounts[1].transport") to the line where they
// were first set, so that problems found after decoding can still point at
// the right line.
type keyIndex struct {
	lines map[string]int
}

func newKeyIndex() keyIndex {
	return keyIndex{lines: make(map[string]int)}
}

// recordFirst remembers where path was first set; later mentions (such as a
// second [accounts.tls] header) do not move it.
func (k keyIndex) recordFirst(path string, line int) {
	if _, seen := k.lines[path]; !seen {
		k.lines[path] = line
	}
}

// has reports whether the file set path explicitly.
func (k keyIndex) has(path string) bool {
	_, ok := k.lines[path]
	return ok
}

// line returns where path was set, or 0.
func (k keyIndex) line(path string) int {
	return k.lines[path]
}

// nearestLine returns the line of path or, when the key was not written in
// the file (a missing or defaulted value), the line of the closest enclosing
// table such as the [[accounts]] header.
func (k keyIndex) nearestLine(path string) int {
	for path != "" {
		if line, ok := k.lines[path]; ok {
			return line
		}
		path = parentPath(path)
	}
	return 0
}

// pathAtLine finds the most specific key set on a line; used to name the
// field of errors that come from the decoder with only a line number.
func (k keyIndex) pathAtLine(line int) string {
	best := ""
	for path, l := range k.lines {
		if l == line && (len(path) > len(best) || len(path) == len(best) && path < best) {
			best = path
		}
	}
	return best
}

// parentPath strips the last ".key" or "[n]" from a path.
func parentPath(path string) string {
	if strings.HasSuffix(path, "]") {
		if i := strings.LastIndexByte(path, '['); i >= 0 {
			return path[:i]
		}
	}
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i]
	}
	return ""
}
