package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/reports"
	"github.com/estate-dev/estate/internal/snipeit"
)

func newExportCmd(app *App) *cobra.Command {
	return group("export", "Export the inventory for other tools", exportCSVCommand(app, runExportCSV))
}

// exportCSVCommand is estate export csv; RunE checks the flags and calls
// runF with them (a test replaces it).
func exportCSVCommand(app *App, runF func(context.Context, *App, *reports.ExportOptions) error) *cobra.Command {
	o := &reports.ExportOptions{}
	cmd := &cobra.Command{
		Use:   "csv",
		Short: "Write the assets as a Snipe-IT asset CSV (estate import snipeit reads it back)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runF(cmd.Context(), app, o)
		},
	}
	cmd.Flags().StringVarP(&o.Output, "output", "o", "", "write to this file instead of standard output")
	cmd.Flags().StringVar(&o.Rev, "rev", "", "export the estate at this git revision")
	choicesFlag(cmd, &o.Classes, "class", "only these classes", snipeit.Classes...)
	choicesFlag(cmd, &o.Statuses, "status", "only these statuses", snipeit.States...)
	return cmd
}

func runExportCSV(ctx context.Context, app *App, o *reports.ExportOptions) error {
	o.Env, o.Stdout = app.reportEnv(), app.Stdout
	n, err := reports.ExportCSV(ctx, *o)
	if err != nil {
		return coreErr(err)
	}
	if o.ToFile() {
		fmt.Fprintf(app.Stderr, "estate: wrote %d assets to %s\n", n, strings.TrimSpace(o.Output))
	}
	return nil
}
