package facts

import (
	"reflect"
	"testing"

	"github.com/estate-dev/estate/internal/record"
)

func doc(src, collector, at, serial, host string) record.Device {
	f := New(collector, "", at)
	f.Identity = record.Identity{Serial: serial, Hostname: host}
	return record.Device{Source: src, Facts: f}
}

func TestMerge(t *testing.T) {
	mdm := doc("facts/mdm.json", "mdm", "2026-11-23T10:00:00Z", "c02abc", "Alices-MacBook")
	mdm.Facts.Security = &record.Security{DiskEncryption: ptr(true), Compliant: ptr(true)}
	mdm.Facts.OS = &record.OSFacts{Family: "macos", Version: "14.4"}
	mdm.Facts.Packages = []record.Package{{Name: "Falcon"}}
	osq := doc("facts/osq.json", "osquery", "2026-11-22T10:00:00Z", "C02ABC ", "lt-00042.corp")
	osq.Facts.Security = &record.Security{DiskEncryption: ptr(false), Firewall: ptr(true)}
	osq.Facts.OS = &record.OSFacts{Family: "macOS", Version: "14.5", Build: "23F79"}
	osq.Facts.Users = []record.User{{Name: "alice"}}
	osq.Facts.Errors = []string{"apps: no such table"}
	other := doc("facts/other.json", "local", "2026-11-20T10:00:00Z", "", "db-01")

	got := Merge([]record.Device{osq, other, mdm})
	if len(got) != 2 || got[0].Source != "facts/mdm.json" || got[1].Source != "facts/other.json" {
		t.Fatalf("merged %+v", got)
	}
	m := got[0].Facts
	if m.CollectedAt != "2026-11-23T10:00:00Z" || m.Collector.Name != "mdm" || m.Identity.Hostname != "Alices-MacBook" {
		t.Errorf("the newest source's identity and collector: %+v", m)
	}
	if *m.Security.DiskEncryption != true || *m.Security.Firewall != true || m.OS.Version != "14.4" || m.OS.Build != "23F79" {
		t.Errorf("newest wins per fact, older fills in: %+v %+v", m.Security, m.OS)
	}
	if len(m.Packages) != 1 || len(m.Users) != 1 || !reflect.DeepEqual(m.Errors, []string{"osquery: apps: no such table"}) {
		t.Errorf("lists: %+v %+v %+v", m.Packages, m.Users, m.Errors)
	}
	var facts []string
	for _, c := range m.Conflicts {
		facts = append(facts, c.Fact)
	}
	// serial (same after match.Serial) and os.family (case) agree.
	if want := []string{"identity.hostname", "os.version", "security.disk_encryption"}; !reflect.DeepEqual(facts, want) {
		t.Errorf("conflicts on %v, want %v", facts, want)
	}
	enc := m.Conflicts[2]
	if enc.Values[0] != (record.ConflictValue{Value: true, Collector: "mdm", CollectedAt: "2026-11-23T10:00:00Z"}) ||
		enc.Values[1] != (record.ConflictValue{Value: false, Collector: "osquery", CollectedAt: "2026-11-22T10:00:00Z"}) {
		t.Errorf("disk_encryption conflict %+v", enc)
	}
	if len(m.Sources) != 2 || m.Sources[0].Document != "facts/mdm.json" || m.Sources[1].Collector != "osquery" ||
		!reflect.DeepEqual(m.Sources[1].Facts, []string{"os.build", "security.firewall", "users"}) {
		t.Errorf("sources %+v", m.Sources)
	}
	if osq.Facts.Sources != nil || mdm.Facts.Conflicts != nil {
		t.Error("Merge changed its input documents")
	}
}

func TestMergeKeepsTwoDevicesSharingASerial(t *testing.T) {
	a := doc("a.json", "osquery", "2026-11-23T10:00:00Z", "DUP1", "lt-1")
	b := doc("b.json", "osquery", "2026-11-22T10:00:00Z", "DUP1", "lt-2")
	if got := Merge([]record.Device{a, b}); len(got) != 2 {
		t.Errorf("one collector, two hostnames: two devices, got %d", len(got))
	}
	// The same collector's older snapshot of the same host is merged.
	c := doc("c.json", "osquery", "2026-11-21T10:00:00Z", "DUP1", "LT-1")
	if got := Merge([]record.Device{a, c}); len(got) != 1 || got[0].Source != "a.json" {
		t.Errorf("one host seen twice: %+v", got)
	}
}

func TestMergeWithoutDuplicates(t *testing.T) {
	in := []record.Device{doc("a", "osquery", "2026-11-23T10:00:00Z", "S1", ""), doc("b", "mdm", "2026-11-23T10:00:00Z", "", "h1")}
	if got := Merge(in); &got[0] != &in[0] {
		t.Error("no two documents of one device: the slice comes back as it was")
	}
}

// TestMergeKeepsEveryServicesPolicies: policies are each service's own
// checks, so a merge keeps all of them, each naming its service.
func TestMergeKeepsEveryServicesPolicies(t *testing.T) {
	pass, fail := true, false
	fleet := doc("facts/fleet.json", "mdm", "2026-11-23T10:00:00Z", "C02ABC", "lt-1")
	fleet.Facts.Collector.Source = "fleet"
	fleet.Facts.Policies = []record.Policy{{Name: "FileVault on", Passed: &pass}, {Name: "Firewall on", Passed: &fail}}
	intune := doc("facts/intune.json", "mdm", "2026-11-24T10:00:00Z", "C02ABC", "lt-1")
	intune.Facts.Collector.Source = "intune"
	intune.Facts.Policies = []record.Policy{{Name: "Compliance", Source: "intune-policy"}}
	got := Merge([]record.Device{fleet, intune})
	if len(got) != 1 {
		t.Fatalf("merged into %d documents", len(got))
	}
	var names []string
	for _, p := range got[0].Facts.Policies {
		names = append(names, p.Source+"/"+p.Name)
	}
	if want := []string{"intune-policy/Compliance", "fleet/FileVault on", "fleet/Firewall on"}; !reflect.DeepEqual(names, want) {
		t.Errorf("policies %v, want %v", names, want)
	}
	if fleet.Facts.Policies[0].Source != "" {
		t.Error("Merge changed its input documents")
	}
}
