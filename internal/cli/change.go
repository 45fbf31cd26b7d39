package cli

import (
	"cmp"
	"context"
	"io"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/change"
	"github.com/estate-dev/estate/internal/change/plan"
	"github.com/estate-dev/estate/internal/change/report"
	"github.com/estate-dev/estate/internal/record"
)

func newChangeCmd(app *App) *cobra.Command {
	return group("change", "Change control: plan, gate and scaffold changes made as pull requests",
		newChangePlanCmd(app, runChangePlan), newChangeCheckCmd(app), newChangeNewCmd(app))
}

// planOptions are the flags plan, check and new share.
type planOptions struct {
	base, head string
	format     string
	full       bool
	cache      bool
	engine     string
	facts      string
}

func planFlags(cmd *cobra.Command, o *planOptions) {
	cmd.Flags().StringVar(&o.base, "base", "", "the revision the change starts from (default: the merge base of --head with the default branch)")
	cmd.Flags().StringVar(&o.head, "head", "HEAD", "the revision with the change")
	cmd.Flags().BoolVar(&o.full, "full", false, "load every record of both revisions (impact of any change; slower on large estates)")
	cmd.Flags().BoolVar(&o.cache, "cache", false, "use the validation cache of estate validate (.git/estate); it pays only when the changed files were validated before, and loading it costs time on a large estate")
	cmd.Flags().Bool("no-cache", true, "the default: the validation cache is not used (see --cache)")
	cmd.Flags().MarkHidden("no-cache")
	cmd.Flags().StringVar(&o.facts, "facts", "", "a folder of facts documents (JSON/YAML, as estate facts collect writes): the impact names the devices whose compliance the change turns")
	cmd.Flags().StringVar(&o.engine, "diff-engine", "auto", "how the trees are compared: go-git, git (the git CLI, faster on large trees), or auto (git when installed)")
}

// runOptions turns the shared flags into the plan's Options.
func (o *planOptions) runOptions(app *App) (plan.Options, error) {
	engine := cmp.Or(o.engine, plan.Engines[0])
	if err := checkChoice("diff-engine", engine, plan.Engines...); err != nil {
		return plan.Options{}, err
	}
	return plan.Options{Dir: app.Dir(), Base: o.base, Head: o.head, DefaultBases: plan.DefaultBases(app.Getenv("GITHUB_BASE_REF")),
		Full: o.full, Cache: o.cache, Engine: plan.EngineOf(engine), Facts: o.facts, Now: app.Now(), Log: app.Log}, nil
}

// changePlanOptions are what `estate change plan` runs with.
type changePlanOptions struct {
	Plan   plan.Options
	Format string
	FailOn record.Severity // 0: never fail
}

// newChangePlanCmd makes `estate change plan`; runF runs it (a test
// replaces it to check the options a command line produces).
func newChangePlanCmd(app *App, runF func(context.Context, *App, *changePlanOptions) error) *cobra.Command {
	o := &planOptions{}
	var rf reportFlags
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Show what a change does: semantic diff, impact, risk, approvals, freezes",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			po, err := o.runOptions(app)
			if err != nil {
				return err
			}
			opts := &changePlanOptions{Plan: po, Format: rf.Format, FailOn: rf.FailOn}
			return runF(cmd.Context(), app, opts)
		},
	}
	rf.register(cmd, "high", "text", "markdown", "json")
	planFlags(cmd, o)
	return cmd
}

func runChangePlan(ctx context.Context, app *App, o *changePlanOptions) error {
	res, err := runPlan(ctx, app, o.Plan)
	if err != nil {
		return err
	}
	return exitOf(writeReport(app.Stdout, o.Format, res.Context, res.Plan, nil), record.Failing(res.Plan.Findings, o.FailOn))
}

// runPlan runs the plan, warning on stderr of what it leaves out.
func runPlan(ctx context.Context, app *App, o plan.Options) (*plan.Result, error) {
	res, err := plan.Run(ctx, o)
	if err != nil {
		return nil, coreErr(err)
	}
	res.WriteWarnings(app.Stderr)
	return res, nil
}

func writeReport(w io.Writer, format string, rc report.Context, p *change.Plan, g *change.Gate) error {
	switch format {
	case "json":
		return report.JSON(w, Version, rc, p, g)
	case "markdown":
		return report.Markdown(w, rc, p, g)
	}
	return report.Text(w, rc, p, g)
}
