package version

import (
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
)

// Override, when set at link time (-ldflags "-X
// github.com/estate-dev/estate/internal/version.Override=v1.2.3"), is the
// version, for builds that have no module version (release workflows
// build from a checkout).
var Override string

// Info is what a binary knows of its origin.
type Info struct {
	Version  string // v1.2.3, or "(devel)" for a build from a checkout
	Commit   string // the git commit, when known
	Time     string // the commit's time (RFC 3339), when known
	Modified bool   // built from a checkout with uncommitted changes
	Go       string // the Go version that built it
}

var read = sync.OnceValue(func() Info {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return Info{Version: "(devel)"}
	}
	return fromBuildInfo(bi)
})

func fromBuildInfo(bi *debug.BuildInfo) Info {
	in := Info{Version: bi.Main.Version, Go: bi.GoVersion}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			in.Commit = s.Value
		case "vcs.time":
			in.Time = s.Value
		case "vcs.modified":
			in.Modified = s.Value == "true"
		}
	}
	if Override != "" {
		in.Version = Override
	}
	if in.Version == "" {
		in.Version = "(devel)"
	}
	return in
}

// Get returns this binary's Info.
func Get() Info { return read() }

// String is the one-line form: "v1.2.3 (commit 0123abcd4567, 2026-11-30T10:00:00Z)".
func (in Info) String() string {
	var extra []string
	if in.Commit != "" {
		c := in.Commit
		if len(c) > 12 {
			c = c[:12]
		}
		if in.Modified {
			c += "+modified"
		}
		extra = append(extra, "commit "+c)
	}
	if in.Time != "" {
		extra = append(extra, in.Time)
	}
	if len(extra) == 0 {
		return in.Version
	}
	return fmt.Sprintf("%s (%s)", in.Version, strings.Join(extra, ", "))
}

// Pin is what a workflow should install to get this very estate:
// the module version of a release build (v1.2.3), else the commit it was
// built from (go install accepts a commit), else "" (a build that knows
// neither, e.g. go run with -buildvcs=false).
func (in Info) Pin() string {
	v := in.Version
	if v != "" && v != "(devel)" && strings.HasPrefix(v, "v") && !strings.Contains(v, "+dirty") {
		return v
	}
	if in.Commit != "" && !in.Modified {
		return in.Commit
	}
	return ""
}
