package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/gate"
)

// --- change check -------------------------------------------------------

type checkOptions struct {
	planOptions
	checkName string
	labels    bool
	commentAs string
}

func newChangeCheckCmd(app *App) *cobra.Command { return changeCheckCmd(app, runChangeCheck) }

// changeCheckCmd is estate change check; runF runs it (a test replaces it).
func changeCheckCmd(app *App, runF func(context.Context, *App, *checkOptions) error) *cobra.Command {
	o := &checkOptions{}
	cmd := &cobra.Command{
		Use:   "check",
		Short: "The pull-request gate: fail unless the change policy is met",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runF(cmd.Context(), app, o)
		},
	}
	formatFlag(cmd, &o.format, "text", "markdown", "json")
	planFlags(cmd, &o.planOptions)
	cmd.Flags().StringVar(&o.checkName, "check-name", "estate change", "the name of the check run")
	cmd.Flags().BoolVar(&o.labels, "labels", true, "set risk:* and change:* labels on the pull request")
	cmd.Flags().StringVar(&o.commentAs, "comment-as", "", "the login estate's token comments as (default: found out; give it for a GitHub App's token, e.g. my-app[bot])")
	return cmd
}

func runChangeCheck(ctx context.Context, app *App, o *checkOptions) error {
	opts := gate.Options{
		EventPath: app.Getenv("GITHUB_EVENT_PATH"),
		GitHub:    gate.GitHubConfig(app.Getenv("GITHUB_TOKEN"), app.Getenv("GITHUB_API_URL"), app.Getenv("GITHUB_REPOSITORY"), o.commentAs, app.Log),
		Actions:   app.Getenv("GITHUB_ACTIONS") == "true",
		CheckName: o.checkName, Labels: o.labels, SummaryPath: app.Getenv("GITHUB_STEP_SUMMARY"), Log: app.Log,
		MakePlan: func(ctx context.Context, ev *gate.Event) (*gate.Plan, error) {
			return planForEvent(ctx, app, &o.planOptions, ev)
		},
	}
	res, err := gate.Run(ctx, opts)
	if res != nil && res.Plan != nil {
		if werr := writeReport(app.Stdout, o.format, res.Plan.Context, res.Plan.Plan, res.Gate); werr != nil && err == nil {
			err = werr
		}
		if res.NotJudged != "" {
			fmt.Fprintf(app.Stderr, "estate: reviews not read (%s): approvals were not checked, so this is not a passed gate\n", res.NotJudged)
		}
	}
	switch {
	case err != nil:
		return coreErr(err)
	case res.Failed():
		return findingsErr()
	}
	return nil
}

// planForEvent makes the plan of the pull request in ev (its base and head
// unless --base or --head say otherwise), against the merge base as
// GitHub's "Files changed" does.
func planForEvent(ctx context.Context, app *App, o *planOptions, ev *gate.Event) (*gate.Plan, error) {
	if ev != nil {
		if o.base == "" {
			o.base = ev.BaseSHA
		}
		if o.head == "HEAD" {
			o.head = ev.HeadSHA
		}
	}
	po, err := o.runOptions(app)
	if err != nil {
		return nil, err
	}
	po.ForkPoint = ev != nil && o.base == ev.BaseSHA
	res, err := runPlan(ctx, app, po)
	if err != nil {
		if ev != nil && errors.Is(err, core.ErrUsage) {
			return nil, inputErr(err, "check out the repository with fetch-depth: 0 so both commits are present")
		}
		return nil, err
	}
	return &gate.Plan{Plan: res.Plan, Context: res.Context, HeadSHA: res.Head.Hash}, nil
}
