package match

import (
	"testing"

	"github.com/estate-dev/estate/internal/record"
)

func TestFind(t *testing.T) {
	recs := []*record.Record{
		{Kind: record.KindAsset, ID: "LT-00101", Path: "inventory/laptop/LT-00101.yaml", Asset: &record.Asset{ID: "LT-00101", Serial: "L4X9KQ7MWR", Hostname: "lt-00101"}},
		{Kind: record.KindAsset, ID: "DT-00401", Path: "inventory/desktop/DT-00401.yaml", Asset: &record.Asset{ID: "DT-00401", Serial: "To Be Filled By O.E.M.", Hostname: "DT-00401.corp.example.org"}},
		{Kind: record.KindAsset, ID: "SV-00001", Path: "inventory/server/SV-00001.yaml", Asset: &record.Asset{ID: "SV-00001", Serial: " abc123 "}},
	}
	ix := New(record.NewEstate(recs))
	for _, tc := range []struct {
		serial, host string
		want         string
		byHost       bool
	}{
		{"L4X9KQ7MWR", "", "LT-00101", false},
		{"l4x9kq7mwr", "", "LT-00101", false},               // case aside
		{"", "LT-00101.corp.example.org", "LT-00101", true}, // FQDN, upper case
		{"", "lt-00101", "LT-00101", true},
		{"0", "lt-00101", "LT-00101", true},                      // a placeholder serial is none
		{"To Be Filled By O.E.M.", "dt-00401", "DT-00401", true}, // on both sides
		{"ABC123", "", "SV-00001", false},
		{"NOPE", "nope", "", false},
		{"", "", "", false},
	} {
		rec, byHost := ix.Find(&record.Facts{Identity: record.Identity{Serial: tc.serial, Hostname: tc.host}})
		got := ""
		if rec != nil {
			got = rec.ID
		}
		if got != tc.want || (got != "" && byHost != tc.byHost) {
			t.Errorf("Find(%q, %q) = %q (by host %v), want %q (by host %v)", tc.serial, tc.host, got, byHost, tc.want, tc.byHost)
		}
	}
	if k := Key(&record.Facts{Identity: record.Identity{Serial: "0", Hostname: "PC-9.example.org"}}); k != "host:pc-9" {
		t.Errorf("Key = %q", k)
	}
}

// TestNoRecords: an estate built from assets alone (no records) is
// indexed too.
func TestNoRecords(t *testing.T) {
	e := &record.Estate{Assets: map[string]*record.Asset{"LT-1": {ID: "LT-1", Hostname: "lt-1"}}}
	if rec, _ := New(e).Find(&record.Facts{Identity: record.Identity{Hostname: "LT-1.local"}}); rec == nil || rec.ID != "LT-1" {
		t.Fatalf("not found: %+v", rec)
	}
}
