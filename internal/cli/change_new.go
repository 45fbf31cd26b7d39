package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/change/newcr"
)

// --- change new ---------------------------------------------------------

type newOptions struct {
	planOptions
	id, title, typ, risk, reason string
}

func newChangeNewCmd(app *App) *cobra.Command { return newChangeNewCmdF(app, nil) }

// newChangeNewCmdF builds the command; runF, when set, is called with the
// options instead of writing the request (flag-parsing tests).
func newChangeNewCmdF(app *App, runF func(context.Context, *newOptions) error) *cobra.Command {
	o := &newOptions{}
	if runF == nil {
		runF = func(ctx context.Context, o *newOptions) error { return runChangeNew(ctx, app, o) }
	}
	cmd := &cobra.Command{
		Use:   "new",
		Short: "Scaffold changes/<CR-ID>.yaml for the current branch's diff",
		Long: `New writes a change request for the records the current branch changes
(against its merge base with the default branch, or --base): the affected
records filled in, the computed risk as the declared one, and the change
type (standard when the catalogue matches). The request is checked as
estate validate would check it before it is written, and new never
overwrites a file; fill in the reason and backout, then commit.

Ids follow the estate's ids.change pattern in estate.yaml, the one rule
validate checks too. Without one, ids are CR-YYYY-NNNN (the year, then a
number); with one, new takes the pattern's prefix and number width (for
^CR-[0-9]{4}$, CR-0002). The number is one past the highest in changes/
of the working tree and of every branch the repository knows, local and
remote-tracking, so two branches do not pick the same id once either has
been pushed and fetched; an --id that another branch has is refused.`,
		Example: `  estate change new --title "Raise the macOS minimum to 14.5"
  estate change new --id CR-2026-0042 --type emergency --risk high`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.typ != "" {
				if err := checkChoice("type", o.typ, "standard", "normal", "emergency"); err != nil {
					return err
				}
			}
			if o.risk != "" {
				if err := checkChoice("risk", o.risk, "low", "medium", "high", "critical"); err != nil {
					return err
				}
			}
			return runF(cmd.Context(), o)
		},
	}
	planFlags(cmd, &o.planOptions)
	cmd.Flags().StringVar(&o.id, "id", "", "the change request's id, in the estate's form (default: the next free one)")
	cmd.Flags().StringVar(&o.title, "title", "", "a one-line title (default: a placeholder to edit)")
	cmd.Flags().StringVar(&o.typ, "type", "", "standard, normal or emergency (default: from the plan)")
	cmd.Flags().StringVar(&o.risk, "risk", "", "low, medium, high or critical (default: the computed risk)")
	cmd.Flags().StringVar(&o.reason, "reason", "", "why the change is made (default: a placeholder to edit)")
	return cmd
}

func runChangeNew(ctx context.Context, app *App, o *newOptions) error {
	pr, err := makePlan(ctx, app, &o.planOptions)
	if err != nil {
		return err
	}
	res, err := newcr.Run(ctx, newcr.Options{Dir: pr.repo.Root, Plan: pr.plan,
		ID: o.id, Title: o.title, Type: o.typ, Risk: o.risk, Reason: o.reason, Now: app.Now().UTC()})
	if err != nil {
		return coreErr(err)
	}
	fmt.Fprintf(app.Stdout, "wrote %s (%s change, risk %s, %d record(s)); fill in the title, reason and backout, then commit it\n", res.Path, res.Type, res.Risk, res.Records)
	return nil
}
