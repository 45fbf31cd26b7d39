package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/history/show"
)

type historyOptions struct {
	show.Options
	Format string
}

func newHistoryCmd(app *App) *cobra.Command { return historyCommand(app, runHistory) }

// historyCommand is estate history; runF runs it (a test replaces it).
func historyCommand(app *App, runF func(context.Context, *App, *historyOptions) error) *cobra.Command {
	o := &historyOptions{}
	cmd := &cobra.Command{
		Use:   "history ID|PATH",
		Short: "Every change to one record, across renames, with its change request and approvers",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Record, o.Dir = args[0], app.Dir()
			return runF(cmd.Context(), app, o)
		},
	}
	cmd.Flags().StringVar(&o.Rev, "rev", "HEAD", "the revision whose history is shown")
	cmd.Flags().StringVar(&o.Ref, "ref", "", "the ledger's ref (default: ledger.ref of estate.yaml, else refs/estate/ledger)")
	formatFlag(cmd, &o.Format, "text", "json", "markdown")
	return cmd
}

func runHistory(ctx context.Context, app *App, o *historyOptions) error {
	o.Warn = func(msg string, err error) { app.Log.Warn(msg, "err", err) }
	rec, err := show.Run(ctx, o.Options)
	if err != nil {
		return coreErr(err)
	}
	return exitOf(show.Write(app.Stdout, o.Format, rec), 0)
}
