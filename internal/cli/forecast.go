package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/forecast"
	"github.com/estate-dev/estate/internal/output"
	"github.com/estate-dev/estate/internal/reports"
)

// forecastOptions are estate forecast's flags, parsed.
type forecastOptions struct {
	reports.ForecastOptions
	Format string
	By     string // month, quarter or asset
}

func newForecastCmd(app *App) *cobra.Command { return forecastCommand(app, runForecast) }

// forecastCommand is estate forecast; RunE turns the flags into options
// and calls runF (a test replaces it).
func forecastCommand(app *App, runF func(context.Context, *App, *forecastOptions) error) *cobra.Command {
	o := &forecastOptions{}
	var horizon string
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

--by picks the table: month and quarter (text and markdown show both),
or asset (one row per item due). CSV writes the table --by picks.`,
		Example: `  # the next twelve months
  estate forecast --horizon 12m

  # next two years by quarter, for a spreadsheet
  estate forecast --horizon 2y --by quarter --format csv > forecast.csv

  # every asset due something in the next 3 months, for the wiki
  estate forecast --horizon 3m --by asset --format markdown`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkChoice("format", o.Format, tableFormats...); err != nil {
				return err
			}
			if err := checkChoice("by", o.By, reports.ForecastBy...); err != nil {
				return err
			}
			months, err := forecast.ParseHorizon(horizon)
			if err != nil {
				return usageErr("--horizon: %v", err)
			}
			o.Months = months
			return runF(cmd.Context(), app, o)
		},
	}
	formatFlag(cmd, &o.Format, tableFormats...)
	cmd.Flags().StringVar(&horizon, "horizon", "12m", "how far ahead: months (12m), quarters (4q) or years (2y)")
	cmd.Flags().StringVar(&o.By, "by", "month", "table: month, quarter or asset")
	cmd.Flags().StringVar(&o.Rev, "rev", "", "read the estate at this git revision instead of the working tree")
	return cmd
}

func runForecast(ctx context.Context, app *App, o *forecastOptions) error {
	o.Env = app.reportEnv()
	rep, err := reports.Forecast(ctx, o.ForecastOptions)
	if err != nil {
		return reportErr(err)
	}
	tables := reports.ForecastTables(rep, o.By, o.Format != "csv")
	if err := output.WriteTables(app.Stdout, o.Format, rep, tables...); err != nil {
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("write report: %w", err)}
	}
	return nil
}
