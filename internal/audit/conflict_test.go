package audit

import (
	"strings"
	"testing"
	"time"

	factsdoc "github.com/estate-dev/estate/internal/facts"
	"github.com/estate-dev/estate/internal/record"
)

// TestAuditConflict: an MDM says the disk is encrypted (newest), osquery
// said it was not the day before: the control passes on the newest value
// and the disagreement is a finding; a source older than the
// missing-after window is stale and says nothing.
func TestAuditConflict(t *testing.T) {
	e := testEstate()
	mdm := goodFacts("C02AAA", "lt-1")
	mdm.Collector.Name, mdm.CollectedAt = "mdm", "2026-11-23T08:00:00Z"
	osq := goodFacts("C02AAA", "lt-1")
	osq.Collector.Name, osq.CollectedAt = "osquery", "2026-11-22T08:00:00Z"
	osq.Security.DiskEncryption = bptr(false)
	osq.OS.Version = "14.6.2" // a conflict on which both pass: no finding
	merged := factsdoc.Merge([]record.Device{{Source: "facts/lt-1-osq.json", Facts: osq}, {Source: "facts/lt-1-mdm.json", Facts: mdm}})
	if len(merged) != 1 || len(merged[0].Facts.Conflicts) != 2 {
		t.Fatalf("merged %+v", merged)
	}
	res := Run(e, merged, Options{Now: now, MissingAfter: 30 * 24 * time.Hour, Partial: true})
	got := byRule(res.Findings)
	cf := got["audit/conflict LT-1 COM-ENC"]
	if len(cf) != 1 || len(got["audit/control LT-1 COM-ENC"]) != 0 {
		t.Fatalf("findings %+v", res.Findings)
	}
	if !strings.Contains(cf[0].Message, "passes COM-ENC on mdm's security.disk_encryption = true (newest), but fails on osquery's false") ||
		cf[0].Severity != record.SevMedium || cf[0].Pos.File != "inventory/laptop/LT-1.yaml" {
		t.Errorf("conflict finding %+v", cf[0])
	}
	if len(got["audit/conflict LT-1 MAC-OS"]) != 0 {
		t.Error("both versions pass MAC-OS: no conflict finding")
	}
	// The osquery facts 40 days old are out of the window: no finding.
	osq.CollectedAt = "2026-10-14T08:00:00Z"
	merged = factsdoc.Merge([]record.Device{{Source: "a", Facts: osq}, {Source: "b", Facts: mdm}})
	res = Run(e, merged, Options{Now: now, MissingAfter: 30 * 24 * time.Hour, Partial: true})
	if n := len(byRule(res.Findings)["audit/conflict LT-1 COM-ENC"]); n != 0 {
		t.Errorf("a stale source: %d conflict findings, want none", n)
	}
}
