package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/output"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/reports"
)

// licencesOptions are estate licences' flags, parsed.
type licencesOptions struct {
	reports.LicencesOptions
	reportFlags
}

// tableFormats are the formats of the reports written as tables.
var tableFormats = []string{"text", "json", "markdown", "csv"}

func newLicencesCmd(app *App) *cobra.Command { return licencesCommand(app, runLicences) }

// licencesCommand is estate licences; RunE turns the flags into options
// and calls runF (a test replaces it).
func licencesCommand(app *App, runF func(context.Context, *App, *licencesOptions) error) *cobra.Command {
	o := &licencesOptions{}
	cmd := &cobra.Command{
		Use:   "licences",
		Short: "Licence position: seats entitled against seats used, over-deployment, savings, expiry",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runF(cmd.Context(), app, o)
		},
	}
	o.register(cmd, "never", tableFormats...)
	cmd.Flags().StringVar(&o.Facts, "facts", "", "folder of facts documents (default: facts/ when present)")
	cmd.Flags().StringVar(&o.Rev, "rev", "", "read the estate at this git revision instead of the working tree")
	countFlag(cmd, &o.ExpiringWithin, "expiring-within", 90, "days ahead a licence counts as expiring")
	return cmd
}

func runLicences(ctx context.Context, app *App, o *licencesOptions) error {
	o.Env = app.reportEnv()
	rep, err := reports.Licences(ctx, o.LicencesOptions)
	if err != nil {
		return coreErr(err)
	}
	return exitOf(output.WriteTables(app.Stdout, o.Format, rep, reports.LicenceTables(rep)...), record.Failing(rep.Findings, o.FailOn))
}
