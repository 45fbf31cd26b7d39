package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/report"
	"github.com/estate-dev/estate/internal/reports"
)

// reportOptions are estate report's flags, parsed.
type reportOptions struct {
	reports.StatusOptions
	Format string
}

var reportFormats = []string{"text", "markdown", "json", "csv", "html"}

func newReportCmd(app *App) *cobra.Command { return reportCommand(app, runReport) }

// reportCommand is estate report; RunE turns the flags into options and
// calls runF (a test replaces it).
func reportCommand(app *App, runF func(context.Context, *App, *reportOptions) error) *cobra.Command {
	o := &reportOptions{}
	cmd := &cobra.Command{
		Use:   "report",
		Short: "The estate as of a date or revision, and its status accounting",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runF(cmd.Context(), app, o)
		},
	}
	cmd.Flags().StringVar(&o.AsOf, "as-of", "", "a date (YYYY-MM-DD), time (RFC 3339) or git revision (default: the working tree, now)")
	choiceFlag(cmd, &o.Period, "period", "group changes by month or quarter", "month", "quarter")
	choiceFlag(cmd, &o.Trend, "trend", "the compliance trend's period: month, week or day", "month", "week", "day")
	cmd.Flags().StringVar(&o.Ref, "ref", "", "the ledger's ref (default: ledger.ref of estate.yaml, else refs/estate/ledger)")
	formatFlag(cmd, &o.Format, reportFormats...)
	return cmd
}

func runReport(ctx context.Context, app *App, o *reportOptions) error {
	o.Env = app.reportEnv()
	if o.Format == "html" {
		return writeHTMLReport(ctx, app, reports.HTMLOptions{AsOf: o.AsOf, Ref: o.Ref, Trend: o.Trend}, app.Stdout)
	}
	r, err := reports.Status(ctx, o.StatusOptions)
	if err != nil {
		return coreErr(err)
	}
	return exitOf(report.Write(app.Stdout, o.Format, r), 0)
}
