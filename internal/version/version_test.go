package version

import (
	"runtime/debug"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/estate-dev/estate", Version: "v1.4.2"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-11-30T10:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	in := fromBuildInfo(bi)
	if got, want := in.String(), "v1.4.2 (commit 0123456789ab+modified, 2026-11-30T10:00:00Z)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	dev := fromBuildInfo(&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}})
	if dev.String() != "(devel)" {
		t.Errorf("devel: %q", dev.String())
	}
	Override = "v2.0.0"
	defer func() { Override = "" }()
	if got := fromBuildInfo(bi).Version; got != "v2.0.0" {
		t.Errorf("override: %q", got)
	}
}

// TestGet: a test binary has build information; the version is never
// the old placeholder "dev".
func TestGet(t *testing.T) {
	if v := Get().Version; v == "" || v == "dev" {
		t.Fatalf("Get().Version = %q", v)
	}
}

func TestPin(t *testing.T) {
	for _, tc := range []struct {
		in   Info
		want string
	}{
		{Info{Version: "v1.4.2"}, "v1.4.2"},
		{Info{Version: "(devel)", Commit: "0123abcd"}, "0123abcd"},
		{Info{Version: "(devel)", Commit: "0123abcd", Modified: true}, ""},
		{Info{Version: "(devel)"}, ""},
	} {
		if got := tc.in.Pin(); got != tc.want {
			t.Errorf("%+v.Pin() = %q, want %q", tc.in, got, tc.want)
		}
	}
}
