package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

// The reference estate's facts/ audit as documented in facts/README.md and
// the README: every facts document is valid, every control can be
// evaluated, and the deliberate problems are found.
func TestReferenceEstateAudit(t *testing.T) {
	if _, err := os.Stat("../../facts"); err != nil {
		t.Skip("no reference facts/")
	}
	var out, errb bytes.Buffer
	app := &App{Args: []string{"-C", "../..", "audit", "--format", "json", "--fail-on", "never"}, Stdin: strings.NewReader(""),
		Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }, TTY: false,
		Now: func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) }}
	if code := Main(app); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var rep struct {
		Findings []struct {
			Rule, Record, Control, Message string
			Severity                       string
		}
		Compliance struct {
			Devices, Seen, Unregistered, Missing int
		}
	}
	if err := json.NewDecoder(io.Reader(&out)).Decode(&rep); err != nil {
		t.Fatal(err)
	}
	has := map[string]bool{}
	for _, f := range rep.Findings {
		has[f.Rule+" "+f.Record+" "+f.Control] = true
		if strings.HasPrefix(f.Rule, "facts/") || f.Rule == "audit/baseline" || f.Rule == "audit/bad-fact" {
			t.Errorf("the reference estate should have no %s finding: %s", f.Rule, f.Message)
		}
	}
	for _, want := range []string{
		"audit/status LT-00108 ",            // the stolen MacBook checked in
		"audit/unregistered  ",              // the PC nobody registered
		"audit/control LT-00102 MAC-OS-001", // old macOS
		"audit/control LT-00102 EUC-001",    // FileVault off
		"audit/missing DT-00404 ",           // not seen for 20 days
		"audit/missing LT-00208 ",           // never seen
		"audit/serial SV-00503 ",            // board swapped
		"audit/control LT-00104 MAC-SW-099", // BitTorrent
	} {
		if !has[want] {
			t.Errorf("no %q finding", want)
		}
	}
	if has["audit/control LT-00103 MAC-SW-010"] {
		t.Error("LT-00103's exemption for MAC-SW-010 was not honoured")
	}
	if rep.Compliance.Devices != 23 || rep.Compliance.Unregistered != 1 {
		t.Errorf("compliance = %+v", rep.Compliance)
	}
}
