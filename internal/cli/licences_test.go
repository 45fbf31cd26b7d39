package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/estate-dev/estate/internal/licence"
)

// TestLicencesReferenceEstate checks estate licences on this repository's
// own reference estate (inventory/ and facts/ at the repository root)
// against counts worked out by hand from the records and facts:
//
// ADOBE-ACROBAT-PRO (per user, 6 seats): assigned to 4 active assets
// (DT-00403 chloe, LT-00103 elena, LT-00201 aisha, LT-00203 sofia); facts
// show Acrobat on 6 devices: LT-00201 and LT-00203 (assigned), DT-00404
// ben, LT-00202 james, LT-00206 daniel and the unregistered DESKTOP-7QK2M1L
// (4 unassigned). People: the 4 owners + ben, james, daniel + the unknown
// device = 8 used, 2 over: over-deployed. Expires 2027-01-31: 69 days.
//
// JETBRAINS-ALL (per user, 8 seats, GBP 779 a seat a year): assigned to 5
// assets of 5 people, no install seen; 3 unused: GBP 2,337 a year.
//
// MS365-E3 (per user, 30 seats, GBP 33.75 a seat a month): 16 assets list
// it, 14 active (LT-00108 stolen and LT-00205 lost are reclaimable), 14
// people; installs on 12 devices, 4 of them unassigned: the unregistered
// PC, LT-00104 alex, LT-00108 marcus (stolen, still checking in) and
// LT-00206 daniel (who is counted already, for LT-00204). 17 people used,
// 13 unused: 13 x 33.75 x 12 = GBP 5,265 a year.
func TestLicencesReferenceEstate(t *testing.T) {
	app, _ := reportApp("../..")
	var out bytes.Buffer
	app.Stdout = &out
	cmd := newLicencesCmd(app)
	cmd.SetArgs([]string{"--format", "json"})
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	var rep licence.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	type want struct {
		seats, assigned, installed, unassigned, used, over, unused, reclaimable int
		saving                                                                  float64
		status                                                                  string
	}
	truth := map[string]want{
		"ADOBE-ACROBAT-PRO": {6, 4, 6, 4, 8, 2, 0, 0, 0, "over-deployed"},
		"JETBRAINS-ALL":     {8, 5, 0, 0, 5, 0, 3, 0, 2337, "unused-seats"},
		"MS365-E3":          {30, 14, 12, 4, 17, 0, 13, 2, 5265, "unused-seats"},
	}
	if len(rep.Licences) != len(truth) {
		t.Fatalf("%d licences, want %d (has the reference estate changed? recount by hand)", len(rep.Licences), len(truth))
	}
	for _, u := range rep.Licences {
		w, ok := truth[u.ID]
		if !ok {
			t.Errorf("unexpected licence %s", u.ID)
			continue
		}
		got := want{u.Seats, u.Assigned, u.Installed, u.Unassigned, u.Used, u.Over, u.Unused, u.Reclaimable, u.SavingPerYear, u.Status}
		if got != w {
			t.Errorf("%s:\n got %+v\nwant %+v", u.ID, got, w)
		}
	}
	if rep.FactsDevices != 23 || rep.FactsUnmatched != 1 {
		t.Errorf("facts: %d devices, %d unmatched; want 23 and 1", rep.FactsDevices, rep.FactsUnmatched)
	}
	if rep.Totals.SavingPerYear["GBP"] != 7602 || rep.Totals.OverDeployed != 1 {
		t.Errorf("totals = %+v", rep.Totals)
	}
}

// TestHTMLReportReferenceEstate: with facts and no ledger, the report of
// this repository's reference estate audits the facts now, per baseline.
func TestHTMLReportReferenceEstate(t *testing.T) {
	app, _ := reportApp("../..")
	out, err := htmlReport(t, app, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Compliance now: estate audit of the facts of 23 devices", "By baseline", "euc-macos", "ADOBE-ACROBAT-PRO",
		"over-deployed", "GBP 7,602.00"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
}
