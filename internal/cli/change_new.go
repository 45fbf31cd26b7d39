package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/change/newcr"
)

// --- change new ---------------------------------------------------------

type newOptions struct {
	planOptions
	id, title, typ, risk, reason, remote string
}

func newChangeNewCmd(app *App) *cobra.Command { return newChangeNewCmdF(app, runChangeNew) }

// newChangeNewCmdF builds the command; runF runs it (a test
// replaces it to check the options a command line produces).
func newChangeNewCmdF(app *App, runF func(context.Context, *App, *newOptions) error) *cobra.Command {
	o := &newOptions{}
	cmd := &cobra.Command{
		Use:   "new",
		Short: "Scaffold changes/<CR-ID>.yaml for the current branch's diff",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runF(cmd.Context(), app, o)
		},
	}
	planFlags(cmd, &o.planOptions)
	cmd.Flags().StringVar(&o.id, "id", "", "the change request's id, in the estate's form (default: the next free one)")
	cmd.Flags().StringVar(&o.title, "title", "", "a one-line title (default: a placeholder to edit)")
	choiceFlag(cmd, &o.typ, "type", "standard, normal or emergency (default: from the plan)", "", "standard", "normal", "emergency")
	choiceFlag(cmd, &o.risk, "risk", "low, medium, high or critical (default: the computed risk)", "", "low", "medium", "high", "critical")
	cmd.Flags().StringVar(&o.reason, "reason", "", "why the change is made (default: a placeholder to edit)")
	cmd.Flags().StringVar(&o.remote, "remote", "origin", "reserve the id on this remote's refs/estate/change-ids (\"\": check this clone's branches only)")
	return cmd
}

func runChangeNew(ctx context.Context, app *App, o *newOptions) error {
	po, err := o.runOptions(app)
	if err != nil {
		return err
	}
	pr, err := runPlan(ctx, app, po)
	if err != nil {
		return err
	}
	res, err := newcr.Run(ctx, newcr.Options{Dir: pr.Root, Plan: pr.Plan,
		ID: o.id, Title: o.title, Type: o.typ, Risk: o.risk, Reason: o.reason, Now: app.Now().UTC(), Remote: o.remote})
	if err != nil {
		return coreErr(err)
	}
	res.WriteText(app.Stdout, app.Stderr)
	return nil
}
