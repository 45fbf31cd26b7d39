package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/output"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/reports"
)

// licencesOptions are estate licences' flags, parsed.
type licencesOptions struct {
	reports.LicencesOptions
	Format string
	FailOn record.Severity // 0: never
}

// tableFormats are the formats of the reports written as tables.
var tableFormats = []string{"text", "json", "markdown", "csv"}

func newLicencesCmd(app *App) *cobra.Command { return licencesCommand(app, runLicences) }

// licencesCommand is estate licences; RunE turns the flags into options
// and calls runF (a test replaces it).
func licencesCommand(app *App, runF func(context.Context, *App, *licencesOptions) error) *cobra.Command {
	o := &licencesOptions{}
	var failOn string
	cmd := &cobra.Command{
		Use:   "licences",
		Short: "Licence position: seats entitled against seats used, over-deployment, savings, expiry",
		Long: `Licences compares each licence (inventory/licences/*.yaml) with its real use:

  assigned     active assets whose licences: list names it (retired, disposed,
               lost and stolen assets do not count; they are "reclaimable")
  installed    devices whose facts show a package matching one of the
               licence's packages: glob patterns (case-insensitive)
  used         the devices assigned or seen installed; for metric: user,
               the distinct owners of those devices
  over         used beyond the seats: the licence is over-deployed
  unused       seats nobody uses; their cost per year is a saving
               (cost.amount is the price of one seat per cost.period; a
               licence without a period is priced per year; a one-off
               purchase saves nothing)

Facts are read from --facts DIR (default: facts/ in the repository, when it
exists): one facts document (kind: Facts, JSON or YAML) per file. Facts are
matched to assets by serial, then hostname.

Exit status: 0, or 1 when --fail-on is given and a finding (over-deployed:
high, expired: high, installs not assigned: medium, expiring: low) reaches it.`,
		Example: `  # the licence position, in the terminal
  estate licences

  # with facts collected elsewhere, as CSV for a spreadsheet
  estate licences --facts ./collected --format csv > licences.csv

  # fail CI when a licence is over-deployed or expired
  estate licences --fail-on high

  # what expires in the next 30 days, as a wiki table
  estate licences --expiring-within 30 --format markdown`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkChoice("format", o.Format, tableFormats...); err != nil {
				return err
			}
			sev, err := parseFailOn(failOn)
			if err != nil {
				return err
			}
			if o.ExpiringWithin < 1 {
				return usageErr("--expiring-within must be at least 1 day")
			}
			o.FailOn = sev
			return runF(cmd.Context(), app, o)
		},
	}
	formatFlag(cmd, &o.Format, tableFormats...)
	cmd.Flags().StringVar(&o.Facts, "facts", "", "folder of facts documents (default: facts/ when present)")
	cmd.Flags().StringVar(&o.Rev, "rev", "", "read the estate at this git revision instead of the working tree")
	cmd.Flags().IntVar(&o.ExpiringWithin, "expiring-within", 90, "days ahead a licence counts as expiring")
	failOnFlag(cmd, &failOn, "never")
	return cmd
}

func runLicences(ctx context.Context, app *App, o *licencesOptions) error {
	o.Env = app.reportEnv()
	rep, err := reports.Licences(ctx, o.LicencesOptions)
	if err != nil {
		return reportErr(err)
	}
	if err := output.WriteTables(app.Stdout, o.Format, rep, reports.LicenceTables(rep)...); err != nil {
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("write report: %w", err)}
	}
	for _, f := range rep.Findings {
		if o.FailOn != 0 && f.Severity >= o.FailOn {
			return findingsErr()
		}
	}
	return nil
}
