package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/incidents"
)

func newIncidentsCmd(app *App) *cobra.Command {
	return group("incidents", "Keep GitHub issues for failing audits", newIncidentsSyncCmd(app, runIncidentsSync))
}

func runIncidentsSync(ctx context.Context, app *App, o *incidents.Options) error {
	res, err := incidents.Run(ctx, *o)
	if res != nil {
		incidents.WriteText(app.Stdout, res, o.DryRun)
	}
	return coreErr(err)
}

func newIncidentsSyncCmd(app *App, runF func(context.Context, *App, *incidents.Options) error) *cobra.Command {
	o := &incidents.Options{}
	var push string
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Open, update, close and reopen one GitHub issue per failing device",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Audit == "" {
				return usageErr("name the audit report with --audit (estate audit --format json)")
			}
			o.Dir, o.Now, o.Ledger = app.Dir(), app.Now, ledgerWriter(app, push)
			o.Token, o.APIURL, o.Repository = app.Getenv("GITHUB_TOKEN"), app.Getenv("GITHUB_API_URL"), app.Getenv("GITHUB_REPOSITORY")
			return runF(cmd.Context(), app, o)
		},
	}
	cmd.Flags().StringVar(&o.Audit, "audit", "", "the audit report (estate audit --format json)")
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, "print the calls; make none and record nothing")
	cmd.Flags().IntVar(&o.MaxNew, "max-new", incidents.DefaultMaxNew, "create at most this many issues; the rest are counted in one tracking issue")
	cmd.Flags().StringVar(&push, "push", "", "then push the ledger to this remote (git CLI)")
	return cmd
}
