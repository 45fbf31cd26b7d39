package facts

import (
	"fmt"
	"strings"
	"testing"

	"github.com/estate-dev/estate/internal/record"
)

// TestEncodeRefusesWhatReadRefuses: facts too large for a facts file are
// not written (the audit would refuse them); what Encode returns, Parse
// reads back.
func TestEncodeRefusesWhatReadRefuses(t *testing.T) {
	f := New("osquery", "facts/lt-1.json", "2026-11-23T10:00:00Z")
	f.Identity.Hostname = "lt-1"
	b, fs := Encode(record.Device{Source: "lt-1", Facts: f}, "json", nil)
	if len(fs) != 0 {
		t.Fatalf("small facts refused: %v", fs)
	}
	if got, fs := Parse("lt-1.json", b, nil); len(fs) != 0 || got.Identity.Hostname != "lt-1" {
		t.Fatalf("read back: %+v %v", got, fs)
	}
	for i := range 200_000 {
		f.Packages = append(f.Packages, record.Package{Name: fmt.Sprintf("package-with-a-long-name-%06d", i), Version: "1.0.0-" + strings.Repeat("9", 20), Source: "deb"})
	}
	b, fs = Encode(record.Device{Source: "lt-1", Facts: f}, "json", nil)
	if b != nil || len(fs) != 1 || !strings.Contains(fs[0].Message, "over the") {
		t.Fatalf("%d bytes, findings %v", len(b), fs)
	}
}
