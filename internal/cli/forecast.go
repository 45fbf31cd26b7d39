package cli

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/forecast"
)

type forecastOptions struct {
	format  string
	horizon string
	by      string
	rev     string
}

func newForecastCmd(app *App) *cobra.Command {
	o := &forecastOptions{}
	cmd := &cobra.Command{
		Use:   "forecast",
		Short: "Warranty expiries, refreshes due (with their cost) and physical audits due, per month and quarter",
		Long: `Forecast looks ahead over the active assets (not retired, disposed, lost or
stolen) for --horizon (12m: twelve months from the start of this month;
also 4q, 2y):

  warranty  warranty.expires falls in the period
  refresh   purchase.date + the class's refresh years falls in the period;
            the cost is estate.yaml's refresh.<class>.cost when set, else
            the asset's own purchase cost
  audit     last_audit + audit.physical_audit_days (default 365) falls in
            the period; an asset never audited is due now

What fell due before today is counted as "overdue". Refresh policy per
class comes from estate.yaml (refresh: {laptop: {years: 4, cost: 1500}});
a class it does not name uses the defaults: laptop 4 years, desktop 5,
thin-client 6, monitor 6, phone 3, tablet 4, printer 6, server 5,
network 7, peripheral 4, other 5. The report says which applied.

--by picks the rptTable: month and quarter (text and markdown show both),
or asset (one row per item due). CSV writes the table --by picks.`,
		Example: `  # the next twelve months
  estate forecast --horizon 12m

  # next two years by quarter, for a spreadsheet
  estate forecast --horizon 2y --by quarter --format csv > forecast.csv

  # every asset due something in the next 3 months, for the wiki
  estate forecast --horizon 3m --by asset --format markdown`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runForecast(cmd, app, o) },
	}
	formatFlag(cmd, &o.format, "text", "json", "markdown", "csv")
	cmd.Flags().StringVar(&o.horizon, "horizon", "12m", "how far ahead: months (12m), quarters (4q) or years (2y)")
	cmd.Flags().StringVar(&o.by, "by", "month", "table: month, quarter or asset")
	cmd.Flags().StringVar(&o.rev, "rev", "", "read the estate at this git revision instead of the working tree")
	return cmd
}

func runForecast(cmd *cobra.Command, app *App, o *forecastOptions) error {
	if err := checkChoice("format", o.format, "text", "json", "markdown", "csv"); err != nil {
		return err
	}
	if err := checkChoice("by", o.by, "month", "quarter", "asset"); err != nil {
		return err
	}
	months, err := forecast.ParseHorizon(o.horizon)
	if err != nil {
		return usageErr("--horizon: %v", err)
	}
	est, err := loadReportEstate(cmd.Context(), app, o.rev)
	if err != nil {
		return err
	}
	rep := forecast.Forecast(est, forecast.Options{Now: app.Now(), Months: months})
	if rep.Items == nil {
		rep.Items = []forecast.Item{}
	}
	tables := forecastTables(rep, o.by, o.format != "csv")
	if err := writeRptTables(app.Stdout, o.format, rep, tables...); err != nil {
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("write report: %w", err)}
	}
	return nil
}

// forecastTables returns the tables of a forecast: for by=month or
// quarter, both period tables (the one asked for first) unless only is
// set; for by=asset, the items.
func forecastTables(rep forecast.Report, by string, all bool) []rptTable {
	period := func(title string, bs []forecast.Bucket) rptTable {
		t := rptTable{Title: title, Columns: []string{"Period", "Warranty expiring", "Refresh due", "Refresh cost", "Physical audit due"},
			Numeric: map[int]bool{1: true, 2: true, 3: true, 4: true}}
		c := &rptTable{Columns: []string{"Period", "Warranty expiring", "Refresh due"}}
		for _, cur := range rep.Currency {
			c.Columns = append(c.Columns, strings.TrimSpace("Refresh cost "+cur))
		}
		c.Columns = append(c.Columns, "Physical audit due")
		t.CSV = c
		for _, b := range append([]forecast.Bucket{rep.Overdue}, bs...) {
			t.Rows = append(t.Rows, []string{b.Period, strconv.Itoa(b.Warranty), strconv.Itoa(b.Refresh), rptMoneyMap(b.RefreshCost), strconv.Itoa(b.Audit)})
			row := []string{b.Period, strconv.Itoa(b.Warranty), strconv.Itoa(b.Refresh)}
			for _, cur := range rep.Currency {
				row = append(row, rptNum(b.RefreshCost[cur]))
			}
			c.Rows = append(c.Rows, append(row, strconv.Itoa(b.Audit)))
		}
		return t
	}
	items := rptTable{Title: "Due, by asset", Columns: []string{"Asset", "Class", "Status", "Location", "Due", "Kind", "Month", "Quarter", "Cost", "Cost source"},
		Numeric: map[int]bool{8: true}}
	ic := &rptTable{Columns: []string{"Asset", "Class", "Status", "Location", "Owner", "Model", "Due", "Kind", "Month", "Quarter", "Cost", "Currency", "Cost source"}}
	items.CSV = ic
	for _, it := range rep.Items {
		cost := ""
		if it.Cost > 0 {
			cost = rptMoney(it.Currency, it.Cost)
		}
		due := it.Due
		if due == "" {
			due = "never audited"
		}
		items.Rows = append(items.Rows, []string{it.Asset, it.Class, it.Status, it.Location, due, it.Kind, it.Month, it.Quarter, cost, it.CostSource})
		ic.Rows = append(ic.Rows, []string{it.Asset, it.Class, it.Status, it.Location, it.Owner, it.Model, it.Due, it.Kind, it.Month, it.Quarter,
			rptNum(it.Cost), it.Currency, it.CostSource})
	}
	var tables []rptTable
	switch by {
	case "asset":
		tables = []rptTable{items}
	case "quarter":
		tables = []rptTable{period("By quarter", rep.ByQuarter)}
		if all {
			tables = append(tables, period("By month", rep.ByMonth))
		}
	default:
		tables = []rptTable{period("By month", rep.ByMonth)}
		if all {
			tables = append(tables, period("By quarter", rep.ByQuarter))
		}
	}
	notes := []string{fmt.Sprintf("As of %s, %d months to %s: %d active assets (%d without a purchase date, %d without a warranty, %d never audited).",
		rep.AsOf, rep.Months, rep.Until, rep.Active, rep.NoDate, rep.NoWarr, rep.Never)}
	for _, p := range rep.Policies {
		cost := "the asset's purchase cost"
		if p.Cost > 0 {
			cost = strconv.FormatFloat(p.Cost, 'f', 2, 64)
		}
		notes = append(notes, fmt.Sprintf("Refresh %s every %g years, replacement cost %s (%s).", p.Class, p.Years, cost, p.Source))
	}
	notes = append(notes, fmt.Sprintf("Physical audit every %d days (%s).", rep.AuditDays, rep.AuditSource))
	tables[0].Notes = notes
	return tables
}
