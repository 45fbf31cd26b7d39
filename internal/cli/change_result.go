package cli

import (
	"context"
	"io"

	"github.com/estate-dev/estate/internal/change"
	"github.com/estate-dev/estate/internal/change/plan"
	"github.com/estate-dev/estate/internal/change/report"
)

// planResult is the plan as change check and change new read it, until
// they take a plan.Result themselves.
type planResult struct {
	plan *change.Plan
	ctx  report.Context
	head planCommit
	repo struct{ Root string }
	res  *plan.Result
}

// planCommit is the head commit as change check reads it (Hash.String()).
type planCommit struct{ Hash commitHash }

type commitHash string

func (h commitHash) String() string { return string(h) }

// makePlan runs the plan for check and new (flags in, plan.Run, a
// warning on stderr for what it leaves out).
func makePlan(ctx context.Context, app *App, o *planOptions) (*planResult, error) {
	po, err := o.runOptions(app)
	if err != nil {
		return nil, err
	}
	res, err := runPlan(ctx, app, po)
	if err != nil {
		return nil, err
	}
	pr := &planResult{plan: res.Plan, ctx: res.Context, head: planCommit{Hash: commitHash(res.Head.Hash)}, res: res}
	pr.repo.Root = res.Root
	return pr, nil
}

func writePlan(w io.Writer, format string, pr *planResult, g *change.Gate) error {
	return writeReport(w, format, pr.ctx, pr.plan, g)
}
