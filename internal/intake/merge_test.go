package intake

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/facts"
	"github.com/estate-dev/estate/internal/record"
)

// TestMergeIntuneAndFleet: Graph's documented managedDevice and Fleet's
// documented host, given one serial, are read back by core.ReadFacts as
// one facts document that keeps each fact's source and lists conflicts.
func TestMergeIntuneAndFleet(t *testing.T) {
	list, _, _, err := ParseIntunePage(fixture(t, "intune/managedDevices.list.docs-example.json"))
	if err != nil || len(list) != 1 {
		t.Fatalf("intune: %v", err)
	}
	intune := FromIntune(list[0], now)
	fleet, fails, err := facts.ReadOsquery([]string{filepath.Join(fixtures(t), "fleet/api/host.get.docs-example.json")}, facts.OsqueryOptions{Now: now})
	if err != nil || len(fleet) != 1 || len(fails) > 0 {
		t.Fatalf("fleet: %+v %+v %v", fleet, fails, err)
	}
	fleet[0].Facts.Identity.Serial = intune.Identity.Serial // the fixtures are two devices: make them one
	dir := t.TempDir()
	sch := core.BuiltinSchema()
	if _, failed, err := facts.Write(dir, []record.Device{{Source: "intune", Facts: intune}, fleet[0]}, "json", sch.NewValidator()); err != nil || len(failed) > 0 {
		t.Fatalf("write: %+v %v", failed, err)
	}
	got, err := core.ReadFacts(context.Background(), core.FactsOptions{Root: dir, Dir: dir, Schema: sch})
	if err != nil || len(got.Findings) > 0 {
		t.Fatalf("read: %+v %v", got, err)
	}
	if len(got.Devices) != 1 {
		t.Fatalf("%d devices, want one merged document", len(got.Devices))
	}
	m := got.Devices[0].Facts
	// Fleet's host (2021) is newer than Graph's example (2017).
	if m.Collector.Name != "osquery" || m.CollectedAt != fleet[0].Facts.CollectedAt || m.Identity.Hostname != "23cfc9caacf0" {
		t.Errorf("the newest source leads: %+v %+v", m.Collector, m.Identity)
	}
	if len(m.Sources) != 2 || m.Sources[1].Collector != "mdm" || m.Sources[1].CollectedAt != "2017-01-01T08:02:49Z" {
		t.Fatalf("sources %+v", m.Sources)
	}
	if m.Security == nil || m.Security.Compliant == nil || !*m.Security.Compliant {
		t.Errorf("Intune's compliance verdict is kept (Fleet has none): %+v", m.Security)
	}
	gave := map[string]string{}
	for _, s := range m.Sources {
		for _, f := range s.Facts {
			gave[f] = s.Collector
		}
	}
	if gave["security.compliant"] != "mdm" || gave["identity.hostname"] != "osquery" || gave["packages"] != "osquery" {
		t.Errorf("each fact's source: %v", gave)
	}
	var host *record.Conflict
	for i := range m.Conflicts {
		if m.Conflicts[i].Fact == "identity.hostname" {
			host = &m.Conflicts[i]
		}
	}
	if host == nil || len(host.Values) != 2 || host.Values[0].Value != "23cfc9caacf0" || host.Values[1].Value != "Device Name value" {
		t.Errorf("hostname conflict %+v in %+v", host, m.Conflicts)
	}
	valid(t, m) // the merged document is one estate writes and reads back
}
