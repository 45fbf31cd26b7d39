package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/change"
	"github.com/estate-dev/estate/internal/change/report"
	"github.com/estate-dev/estate/internal/github"
	"github.com/estate-dev/estate/internal/gitrepo"
)

// --- change check -------------------------------------------------------

type checkOptions struct {
	planOptions
	checkName string
	labels    bool
}

func newChangeCheckCmd(app *App) *cobra.Command {
	o := &checkOptions{}
	cmd := &cobra.Command{
		Use:   "check",
		Short: "The pull-request gate: fail unless the change policy is met",
		Long: `Check makes the change plan of a pull request and judges it against its
reviews: the latest review of each reviewer counts; dismissed reviews and
approvals of an earlier commit than the head (stale after a push) do not;
the author never approves their own change; a standing "changes
requested" blocks; team requirements are checked through the GitHub API
(team membership); freeze windows block all but the changes they allow
(an emergency change passes with a post-implementation review date).

In GitHub Actions it reads GITHUB_EVENT_PATH, GITHUB_REPOSITORY,
GITHUB_TOKEN and GITHUB_API_URL; upserts ONE comment on the pull request
(found again by a hidden marker and edited on every push), sets a check
run with annotations on the YAML lines, sets risk and type labels, and
writes $GITHUB_STEP_SUMMARY. With no token it prints the same report,
says that reviews were not read, and touches no network.

A GitHub API failure or rate limit is retried with backoff, then reported
as an error (exit 3): never as a passed gate.

Exit status: 0 the gate passes, 1 it fails, 2 usage error, 3 estate or
the GitHub API could not run.`,
		Example: `  # in a workflow (see action.yml)
  estate change check

  # locally, against main, without the network
  GITHUB_TOKEN= estate change check --base main --format text`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkChoice("format", o.format, "text", "markdown", "json"); err != nil {
				return err
			}
			return runChangeCheck(cmd.Context(), app, o)
		},
	}
	formatFlag(cmd, &o.format, "text", "markdown", "json")
	planFlags(cmd, &o.planOptions)
	cmd.Flags().StringVar(&o.checkName, "check-name", "estate change", "the name of the check run")
	cmd.Flags().BoolVar(&o.labels, "labels", true, "set risk:* and change:* labels on the pull request")
	return cmd
}

func runChangeCheck(ctx context.Context, app *App, o *checkOptions) error {
	var ev *github.Event
	if p := app.Getenv("GITHUB_EVENT_PATH"); p != "" {
		data, err := os.ReadFile(p)
		if err != nil {
			return inputErr(fmt.Errorf("read GITHUB_EVENT_PATH: %w", err), "run in GitHub Actions, or unset GITHUB_EVENT_PATH")
		}
		if ev, err = github.ParseEvent(data); err != nil {
			return inputErr(fmt.Errorf("read GITHUB_EVENT_PATH %s: %w", filepath.Base(p), err), "the gate runs on pull_request and pull_request_review events")
		}
		if o.base == "" {
			o.base = ev.BaseSHA
		}
		if o.head == "HEAD" && ev.HeadSHA != "" {
			o.head = ev.HeadSHA
		}
	}
	if o.base != "" && ev != nil && o.base == ev.BaseSHA {
		// The pull request's base tip: judge against the merge base, as
		// GitHub's "Files changed" does.
		repo, err := gitrepo.Open(app.Dir())
		if err != nil {
			return inputErr(err, "check out the repository with fetch-depth: 0")
		}
		bt, err1 := repo.Resolve(o.base)
		ht, err2 := repo.Resolve(o.head)
		if err := errors.Join(err1, err2); err != nil {
			return inputErr(err, "check out the repository with fetch-depth: 0 so both commits are present")
		}
		if mb, err := repo.MergeBase(bt, ht); err == nil {
			o.base = mb.Hash
		}
	}
	pr, err := makePlan(ctx, app, &o.planOptions)
	if err != nil {
		return err
	}
	if ev != nil {
		pr.ctx.Number, pr.ctx.Title, pr.ctx.Branch, pr.ctx.Author = ev.Number, ev.Title, ev.HeadRef, ev.Author
	}
	token := app.Getenv("GITHUB_TOKEN")
	if token == "" || ev == nil {
		// No network: the plan, and the gate as far as it can be judged.
		if err := writePlan(app.Stdout, o.format, pr, nil); err != nil {
			return &ExitError{Code: ExitFailure, Err: err}
		}
		why := "no GITHUB_TOKEN"
		if token != "" {
			why = "no GITHUB_EVENT_PATH (not a pull-request event)"
		}
		fmt.Fprintf(app.Stderr, "estate: reviews not read (%s): approvals were not checked, so this is not a passed gate\n", why)
		var md strings.Builder
		if err := report.Markdown(&md, pr.ctx, pr.plan, nil); err != nil {
			return &ExitError{Code: ExitFailure, Err: err}
		}
		if err := writeSummary(app, md.String()); err != nil {
			return err
		}
		if blocking(pr.plan) {
			return findingsErr()
		}
		return nil
	}
	repository := app.Getenv("GITHUB_REPOSITORY")
	gh, err := github.New(github.Config{Token: token, BaseURL: app.Getenv("GITHUB_API_URL"), Repository: repository, Log: app.Log})
	if err != nil {
		return inputErr(err, "GITHUB_REPOSITORY is owner/name")
	}
	reviews, err := gh.Reviews(ctx, ev.Number)
	if err != nil {
		return &ExitError{Code: ExitFailure, Err: err, Hint: "the gate has not run; re-run the job"}
	}
	var rs []change.Review
	for _, r := range reviews {
		rs = append(rs, change.Review{User: r.User, State: r.State, CommitID: r.CommitID, At: r.SubmittedAt})
	}
	gate, err := change.Decide(change.GateInput{Plan: pr.plan, Author: ev.Author, HeadSHA: pr.head.Hash, Reviews: rs,
		Member: func(team, user string) (bool, error) { return gh.IsTeamMember(ctx, team, user) }})
	if err != nil {
		return &ExitError{Code: ExitFailure, Err: err, Hint: "the gate has not run; the token needs read:org to read team membership"}
	}
	var md strings.Builder
	if err := report.Markdown(&md, pr.ctx, pr.plan, gate); err != nil {
		return &ExitError{Code: ExitFailure, Err: err}
	}
	if err := writePlan(app.Stdout, o.format, pr, gate); err != nil {
		return &ExitError{Code: ExitFailure, Err: err}
	}
	if _, err := gh.UpsertComment(ctx, ev.Number, report.Marker, md.String()); err != nil {
		return &ExitError{Code: ExitFailure, Err: err, Hint: "the token needs pull-requests: write"}
	}
	conclusion, title := "success", "change gate passed"
	if !gate.Pass {
		conclusion, title = "failure", fmt.Sprintf("change gate failed: %d reason(s)", len(gate.Reasons))
	}
	var anns []github.Annotation
	for _, a := range report.Annotations(pr.plan) {
		anns = append(anns, github.Annotation{Path: a.Path, StartLine: a.StartLine, EndLine: a.EndLine, Level: a.Level, Message: a.Message, Title: a.Title})
	}
	if err := gh.CheckRun(ctx, github.CheckRunSpec{Name: o.checkName, HeadSHA: pr.head.Hash, Conclusion: conclusion,
		Title: title, Summary: md.String(), Annotations: anns}); err != nil {
		return &ExitError{Code: ExitFailure, Err: err, Hint: "the token needs checks: write"}
	}
	if o.labels {
		if err := gh.SetLabels(ctx, ev.Number, []string{"risk:", "change:"}, []string{"risk:" + pr.plan.EffectiveRisk(), "change:" + pr.plan.Type}); err != nil {
			return &ExitError{Code: ExitFailure, Err: err, Hint: "the token needs pull-requests: write (issues: write for labels)"}
		}
	}
	if err := writeSummary(app, md.String()); err != nil {
		return err
	}
	if !gate.Pass {
		return findingsErr()
	}
	return nil
}

// writeSummary appends markdown to $GITHUB_STEP_SUMMARY when it is set.
func writeSummary(app *App, md string) error {
	p := app.Getenv("GITHUB_STEP_SUMMARY")
	if p == "" {
		return nil
	}
	f, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("write job summary: %w", err)}
	}
	_, err = io.WriteString(f, md)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("write job summary: %w", err)}
	}
	return nil
}
