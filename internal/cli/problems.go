package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/problems"
)

func newProblemsCmd(app *App) *cobra.Command {
	return group("problems", "Find the problems behind repeating incidents", newProblemsSuggestCmd(app, runProblemsSuggest))
}

func runProblemsSuggest(ctx context.Context, app *App, o *problems.Options) error {
	res, err := problems.Run(ctx, *o)
	if res != nil {
		problems.WriteText(app.Stdout, res, o.DryRun)
	}
	return coreErr(err)
}

func newProblemsSuggestCmd(app *App, runF func(context.Context, *App, *problems.Options) error) *cobra.Command {
	o := &problems.Options{}
	cmd := &cobra.Command{
		Use:   "suggest",
		Short: "Draft Problem records from the patterns of the ledger's incidents",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Dir, o.Now = app.Dir(), app.Now
			return runF(cmd.Context(), app, o)
		},
	}
	countFlag(cmd, &o.MinDevices, "min-devices", problems.DefaultMinDevices, "a control failing on at least this many devices of one model, OS version or location is a pattern")
	cmd.Flags().StringVar(&o.Facts, "facts", "", "the folder of facts documents (default: the estate's facts/)")
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, "print the drafts; write none")
	return cmd
}
