package main

import "runtime/debug"

// buildVersion is switchboard's version as the Go toolchain recorded it: the
// module version of an installed release, else the VCS revision of a local
// build (with "+dirty" for uncommitted changes), else "devel". It only
// reaches the wire with [security] show_version = true.
func buildVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var revision, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if len(revision) > 12 {
		revision = revision[:12]
	}
	if revision == "" {
		return "devel"
	}
	return revision + dirty
}
