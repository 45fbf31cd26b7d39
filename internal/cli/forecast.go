package cli

import (
	"context"

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
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
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
	choiceFlag(cmd, &o.By, "by", "table: month, quarter or asset", reports.ForecastBy...)
	cmd.Flags().StringVar(&o.Rev, "rev", "", "read the estate at this git revision instead of the working tree")
	return cmd
}

func runForecast(ctx context.Context, app *App, o *forecastOptions) error {
	o.Env = app.reportEnv()
	rep, err := reports.Forecast(ctx, o.ForecastOptions)
	if err != nil {
		return coreErr(err)
	}
	tables := reports.ForecastTables(rep, o.By, o.Format != "csv")
	return exitOf(output.WriteTables(app.Stdout, o.Format, rep, tables...), 0)
}
