package ops

import (
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/ledger"
)

// TestBaselineChangeVerified: a change of a baseline is verified by the
// devices audited against it, all of them: one failing, one unseen by a
// partial audit, or none at all keeps it unverified.
func TestBaselineChangeVerified(t *testing.T) {
	c := &ledger.Entry{Kind: ledger.KindChangeImplemented, Time: "2026-11-02T10:00:00Z",
		Records: []ledger.Affected{{Kind: "Baseline", ID: "base", Action: "modified"}}}
	at := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	under := func(b string) []string {
		if b == "base" {
			return []string{"LT-1", "LT-2"}
		}
		return nil
	}
	for _, tc := range []struct {
		name    string
		failing map[string]bool
		seen    map[string]bool
		under   func(string) []string
		want    bool
	}{
		{"all pass", nil, nil, under, true},
		{"one fails", map[string]bool{"LT-2": true}, nil, under, false},
		{"partial saw both", nil, map[string]bool{"LT-1": true, "LT-2": true}, under, true},
		{"partial saw one", nil, map[string]bool{"LT-1": true}, under, false},
		{"no device follows it", nil, nil, func(string) []string { return nil }, false},
	} {
		got := ledger.VerifiedBy(c, at, tc.failing, tc.under) && sawAll(c, tc.seen, tc.under)
		if got != tc.want {
			t.Errorf("%s: verified = %v, want %v", tc.name, got, tc.want)
		}
	}
	removed := &ledger.Entry{Kind: ledger.KindChangeImplemented, Time: c.Time,
		Records: []ledger.Affected{{Kind: "Baseline", ID: "base", Action: "removed"}}}
	if ledger.VerifiedBy(removed, at, nil, under) {
		t.Error("a removed baseline was verified: nothing of it was audited")
	}
}
