package reports

import (
	"context"
	"fmt"
	"strconv"

	"github.com/estate-dev/estate/internal/licence"
	"github.com/estate-dev/estate/internal/output"
	"github.com/estate-dev/estate/internal/record"
)

// LicencesOptions say what `estate licences` reports.
type LicencesOptions struct {
	Env
	// Rev is a git revision to read the estate at ("" = the working tree).
	Rev string
	// Facts is a folder of facts documents ("" = facts/ when present).
	Facts string
	// ExpiringWithin is how many days ahead a licence counts as expiring.
	ExpiringWithin int
}

// Licences compares each licence with its use: the assets assigned it,
// and the installs the facts show (licence.Analyse). Findings is never
// nil, so that the JSON has a list.
func Licences(ctx context.Context, o LicencesOptions) (licence.Report, error) {
	est, err := o.open(ctx, o.Rev)
	if err != nil {
		return licence.Report{}, err
	}
	seen, err := o.readFacts(ctx, o.Facts)
	if err != nil {
		return licence.Report{}, err
	}
	rep := licence.Analyse(est, seen, licence.Options{Now: o.Now, ExpiringWithin: o.ExpiringWithin})
	if rep.Findings == nil {
		rep.Findings = []record.Finding{}
	}
	return rep, nil
}

// LicenceTables is a licence report as a table: the summary and the
// findings as its notes; its CSV form has plain numbers, the vendor, the
// unit cost and the currency in columns of their own.
func LicenceTables(rep licence.Report) []output.Table {
	t := output.Table{Title: "Licences", Columns: output.Cols("Licence", "Product", "Metric", "Seats", "Assigned", "Installed",
		"Used", "Over", "Unused", "Reclaimable", "Saving/year", "Expires", "Days left", "Status").Right(3, 4, 5, 6, 7, 8, 9, 10, 12)}
	c := &output.Table{Columns: output.Cols("Licence", "Product", "Vendor", "Metric", "Seats", "Assigned", "Installed", "Unassigned installs",
		"Used", "Over", "Unused", "Reclaimable", "Unit cost", "Period", "Saving per year", "Currency", "Expires", "Days left", "Status")}
	t.CSV = c
	for _, u := range rep.Licences {
		days := ""
		if u.DaysLeft != nil {
			days = strconv.Itoa(*u.DaysLeft)
		}
		saving := ""
		if u.SavingPerYear > 0 {
			saving = output.Money(u.Currency, u.SavingPerYear)
		}
		metric := u.Metric
		if !u.Measured {
			metric += " (counted as devices)"
		}
		t.Rows = append(t.Rows, []string{u.ID, u.Product, metric, strconv.Itoa(u.Seats), strconv.Itoa(u.Assigned),
			strconv.Itoa(u.Installed), strconv.Itoa(u.Used), strconv.Itoa(u.Over), strconv.Itoa(u.Unused),
			strconv.Itoa(u.Reclaimable), saving, u.Expires, days, u.Status})
		c.Rows = append(c.Rows, []string{u.ID, u.Product, u.Vendor, u.Metric, strconv.Itoa(u.Seats), strconv.Itoa(u.Assigned),
			strconv.Itoa(u.Installed), strconv.Itoa(u.Unassigned), strconv.Itoa(u.Used), strconv.Itoa(u.Over), strconv.Itoa(u.Unused),
			strconv.Itoa(u.Reclaimable), output.Amount(u.UnitCost), u.Period, output.Amount(u.SavingPerYear), u.Currency, u.Expires, days, u.Status})
	}
	tt := rep.Totals
	t.Notes = append(t.Notes, fmt.Sprintf("As of %s: %d licences, %d seats, %d used; %d over-deployed (%d seats over), %d expired, %d expiring within %d days; %d unused seats, saving %s a year.",
		rep.AsOf, tt.Licences, tt.Seats, tt.Used, tt.OverDeployed, tt.Over, tt.Expired, tt.Expiring, rep.Within, tt.Unused, output.MoneyMap(tt.SavingPerYear)))
	if rep.FactsDevices == 0 {
		t.Notes = append(t.Notes, "No facts were read: installs are unknown, only assignments count.")
	} else {
		t.Notes = append(t.Notes, fmt.Sprintf("Facts of %d devices read (%d match no asset).", rep.FactsDevices, rep.FactsUnmatched))
	}
	for _, f := range rep.Findings {
		t.Notes = append(t.Notes, fmt.Sprintf("%s: %s: %s", f.Pos, f.Severity, f.Message))
	}
	return []output.Table{t}
}
