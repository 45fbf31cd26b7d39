package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/output"
	"github.com/estate-dev/estate/internal/snipeit/importer"
)

func newImportCmd(app *App) *cobra.Command {
	return group("import", "Import assets and people from another tool's export", newImportSnipeITCmd(app, runImportSnipeIT), newImportPeopleCmd(app))
}

// importOptions are import snipeit's flags: the importer's options and
// how the report is printed.
type importOptions struct {
	importer.Options
	format     string
	maxProblem int
}

// newImportSnipeITCmd builds the command; runF runs it (a test
// replaces it to check the options a command line produces).
func newImportSnipeITCmd(app *App, runF func(context.Context, *App, *importOptions) error) *cobra.Command {
	o := &importOptions{}
	cmd := &cobra.Command{
		Use:   "snipeit FILE.csv",
		Short: "Import a Snipe-IT asset CSV: one record per asset, ids from asset tags",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Dir, o.File, o.Stdin = app.Dir(), args[0], app.Stdin
			return runF(cmd.Context(), app, o)
		},
	}
	formatFlag(cmd, &o.format, "text", "json", "markdown", "csv")
	cmd.Flags().StringVar(&o.MapFile, "map", "", "YAML file mapping status labels, categories and defaults (see above)")
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, "show what would be written; write nothing")
	cmd.Flags().BoolVar(&o.Update, "update", false, "update assets that already exist (never without this flag)")
	cmd.Flags().StringVar(&o.Currency, "currency", "", "currency of costs without a symbol (overrides the mapping file)")
	cmd.Flags().StringVar(&o.DateOrder, "date-order", "", "mdy or dmy, for dates such as 3/4/23 (overrides the mapping file)")
	cmd.Flags().StringVar(&o.EmailDomain, "email-domain", "", "make owner emails from usernames: USERNAME@DOMAIN")
	cmd.Flags().StringVar(&o.DefaultOwner, "default-owner", "", "owner of a deployed asset that names no person")
	cmd.Flags().IntVar(&o.maxProblem, "max-problems", 200, "problems listed in text and markdown (all in json and csv)")
	return cmd
}

func runImportSnipeIT(ctx context.Context, app *App, o *importOptions) error {
	rep, err := importer.Run(ctx, o.Options)
	if rep == nil {
		return coreErr(err)
	}
	werr := output.WriteTables(app.Stdout, o.format, rep, importer.Tables(rep, o.format, o.maxProblem)...)
	if err != nil { // stopped part way: what was planned is written
		return coreErr(err)
	}
	return exitOf(werr, rep.Refused)
}
