package cli

import (
	"context"
	"io"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/layout"
)

// layoutOptions are estate layout migrate's flags, parsed.
type layoutOptions struct {
	layout.Options
	Format string
}

func newLayoutCmd(app *App) *cobra.Command {
	return group("layout", "Where the inventory's records are filed (estate.yaml layout)", layoutMigrateCommand(app, runLayoutMigrate))
}

// layoutMigrateCommand is estate layout migrate; runF runs it (a test
// replaces it).
func layoutMigrateCommand(app *App, runF func(context.Context, *App, *layoutOptions) error) *cobra.Command {
	o := &layoutOptions{}
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Move every asset, licence and location into the layout's prefix sub-folders, in one commit of renames",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Dir = app.Dir()
			return runF(cmd.Context(), app, o)
		},
	}
	formatFlag(cmd, &o.Format, "text", "json")
	cmd.Flags().IntVar(&o.Prefix, "prefix", 0, "file records by the first N characters of their id, and set layout.prefix in estate.yaml (default: estate.yaml's)")
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, "list the moves without making them")
	cmd.Flags().StringVarP(&o.Message, "message", "m", "", "the commit message")
	return cmd
}

func runLayoutMigrate(ctx context.Context, app *App, o *layoutOptions) error {
	rep, err := layout.Migrate(ctx, o.Options)
	if err != nil {
		return coreErr(err)
	}
	return exitOf(writeAs(app.Stdout, o.Format, rep, func(w io.Writer) { layout.WriteText(w, rep) }), 0)
}
