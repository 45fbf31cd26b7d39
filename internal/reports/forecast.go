package reports

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/estate-dev/estate/internal/forecast"
	"github.com/estate-dev/estate/internal/output"
)

// ForecastOptions say what `estate forecast` looks ahead over.
type ForecastOptions struct {
	Env
	// Rev is a git revision to read the estate at ("" = the working tree).
	Rev string
	// Months is the horizon (forecast.ParseHorizon).
	Months int
}

// Forecast looks ahead over the estate's active assets (forecast.Forecast).
// Items is never nil, so that the JSON has a list.
func Forecast(ctx context.Context, o ForecastOptions) (forecast.Report, error) {
	est, err := o.open(ctx, o.Rev)
	if err != nil {
		return forecast.Report{}, err
	}
	rep := forecast.Forecast(est, forecast.Options{Now: o.Now, Months: o.Months})
	if rep.Items == nil {
		rep.Items = []forecast.Item{}
	}
	return rep, nil
}

// ForecastBy are the tables ForecastTables makes.
var ForecastBy = []string{"month", "quarter", "asset"}

// ForecastTables returns the tables of a forecast: for by month or
// quarter, that period's table first, then the other's when all is set;
// for by asset, the items. The first table's notes say what the forecast
// covers and which refresh policies applied.
func ForecastTables(rep forecast.Report, by string, all bool) []output.Table {
	period := func(title string, bs []forecast.Bucket) output.Table {
		t := output.Table{Title: title, Columns: output.Cols("Period", "Warranty expiring", "Refresh due", "Refresh cost", "Physical audit due").Right(1, 2, 3, 4)}
		c := &output.Table{Columns: output.Cols("Period", "Warranty expiring", "Refresh due")}
		for _, cur := range rep.Currency {
			c.Columns = append(c.Columns, output.Column{Name: strings.TrimSpace("Refresh cost " + cur)})
		}
		c.Columns = append(c.Columns, output.Column{Name: "Physical audit due"})
		t.CSV = c
		for _, b := range append([]forecast.Bucket{rep.Overdue}, bs...) {
			t.Rows = append(t.Rows, []string{b.Period, strconv.Itoa(b.Warranty), strconv.Itoa(b.Refresh), output.MoneyMap(b.RefreshCost), strconv.Itoa(b.Audit)})
			row := []string{b.Period, strconv.Itoa(b.Warranty), strconv.Itoa(b.Refresh)}
			for _, cur := range rep.Currency {
				row = append(row, output.Amount(b.RefreshCost[cur]))
			}
			c.Rows = append(c.Rows, append(row, strconv.Itoa(b.Audit)))
		}
		return t
	}
	items := output.Table{Title: "Due, by asset", Columns: output.Cols("Asset", "Class", "Status", "Location", "Due", "Kind", "Month", "Quarter", "Cost", "Cost source").Right(8)}
	ic := &output.Table{Columns: output.Cols("Asset", "Class", "Status", "Location", "Owner", "Model", "Due", "Kind", "Month", "Quarter", "Cost", "Currency", "Cost source")}
	items.CSV = ic
	for _, it := range rep.Items {
		cost := ""
		if it.Cost > 0 {
			cost = output.Money(it.Currency, it.Cost)
		}
		due := it.Due
		if due == "" {
			due = "never audited"
		}
		items.Rows = append(items.Rows, []string{it.Asset, it.Class, it.Status, it.Location, due, it.Kind, it.Month, it.Quarter, cost, it.CostSource})
		ic.Rows = append(ic.Rows, []string{it.Asset, it.Class, it.Status, it.Location, it.Owner, it.Model, it.Due, it.Kind, it.Month, it.Quarter,
			output.Amount(it.Cost), it.Currency, it.CostSource})
	}
	var tables []output.Table
	switch by {
	case "asset":
		tables = []output.Table{items}
	case "quarter":
		tables = []output.Table{period("By quarter", rep.ByQuarter)}
		if all {
			tables = append(tables, period("By month", rep.ByMonth))
		}
	default:
		tables = []output.Table{period("By month", rep.ByMonth)}
		if all {
			tables = append(tables, period("By quarter", rep.ByQuarter))
		}
	}
	notes := []string{fmt.Sprintf("As of %s, %d months to %s: %d active assets (%d without a purchase date, %d without a warranty, %d never audited).",
		rep.AsOf, rep.Months, rep.Until, rep.Active, rep.NoDate, rep.NoWarr, rep.Never)}
	for _, p := range rep.Policies {
		cost := "the asset's purchase cost"
		if p.Cost > 0 {
			cost = output.Amount(p.Cost)
		}
		notes = append(notes, fmt.Sprintf("Refresh %s every %g years, replacement cost %s (%s).", p.Class, p.Years, cost, p.Source))
	}
	notes = append(notes, fmt.Sprintf("Physical audit every %d days (%s).", rep.AuditDays, rep.AuditSource))
	tables[0].Notes = notes
	return tables
}
