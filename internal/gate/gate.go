package gate

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/estate-dev/estate/internal/change"
	"github.com/estate-dev/estate/internal/change/report"
	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/github"
	"github.com/estate-dev/estate/internal/record"
)

// Plan is a change plan as the gate judges it.
type Plan struct {
	Plan *change.Plan
	// Context names what the plan compares; the gate fills in the pull
	// request's number, title, branch and author from the event.
	Context report.Context
	// HeadSHA is the commit judged (the check run goes on it, and only
	// approvals of it count).
	HeadSHA string
}

// Options say what to gate and where to publish.
type Options struct {
	// EventPath is GITHUB_EVENT_PATH: a pull_request or
	// pull_request_review payload; "" when the run is not for a pull
	// request.
	EventPath string
	// MakePlan makes the plan; ev is the pull request's event (nil when
	// there is none), whose base and head it should compare.
	MakePlan func(ctx context.Context, ev *Event) (*Plan, error)
	// GitHub says how to reach GitHub; with an empty Token nothing is
	// read from or sent to it.
	GitHub github.Config
	// Actions says estate runs in GitHub Actions (GITHUB_ACTIONS=true).
	Actions bool
	// CheckName names the check run; Labels sets risk:* and change:*
	// labels.
	CheckName string
	Labels    bool
	// SummaryPath is GITHUB_STEP_SUMMARY: the markdown is appended to it
	// ("" writes none).
	SummaryPath string
	Log         *slog.Logger
}

// Result is what the gate found and did.
type Result struct {
	Event *github.Event // nil: not a pull-request run
	Plan  *Plan
	// Gate is the decision; nil when reviews were not read (NotJudged
	// says why).
	Gate      *change.Gate
	NotJudged string
	// Markdown is the comment and summary.
	Markdown string
	// CommentID and CheckRunID are what was published (0: nothing).
	CommentID, CheckRunID int64
}

// Failed reports whether the change must not merge as far as it was
// judged: the gate failed, or (reviews unread) a finding of the plan
// blocks.
func (r *Result) Failed() bool {
	if r.Gate != nil {
		return !r.Gate.Pass
	}
	return r.Plan != nil && blocking(r.Plan.Plan)
}

// Errors carry a hint a person can act on (core's hinted errors): bad
// input (the event payload, the repository's name) is the request's
// fault, exit 2; notRun means the gate could not run (GitHub failed, a
// token is missing or lacks a permission): exit 3, never a pass.
var badInput, notRun = core.UsageError, core.Failure

// TokenHint says how a workflow gives the gate its token.
const TokenHint = "give the job `permissions: {contents: read, pull-requests: write, checks: write}` " +
	"and the step `env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}`"

// Event is the pull request's event as GitHub Actions hands it over
// ($GITHUB_EVENT_PATH), read by github.ParseEvent.
type Event = github.Event

// GitHubConfig is the GitHub client's configuration of environment
// values (GITHUB_TOKEN, GITHUB_API_URL, GITHUB_REPOSITORY) and, when set,
// the login its comments are written as (e.g. a GitHub App's
// "my-app[bot]": its token cannot say who it is).
func GitHubConfig(token, apiURL, repository, commentAs string, log *slog.Logger) github.Config {
	c := github.Config{Token: token, BaseURL: apiURL, Repository: repository, Log: log}
	if commentAs != "" {
		id := github.ParseIdentity(commentAs)
		c.Identity = &id
	}
	return c
}

// Run gates one pull request. Errors from MakePlan are returned as they
// are; others are *Error. The result is returned with an error from
// publishing (its plan, and gate, are set) so the caller can still print
// what was judged.
func Run(ctx context.Context, o Options) (*Result, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	res := &Result{}
	if o.EventPath != "" {
		data, err := os.ReadFile(o.EventPath)
		if err != nil {
			return nil, badInput(fmt.Errorf("read GITHUB_EVENT_PATH: %w", err), "run in GitHub Actions, or unset GITHUB_EVENT_PATH")
		}
		if res.Event, err = github.ParseEvent(data); err != nil {
			return nil, badInput(fmt.Errorf("read GITHUB_EVENT_PATH %s: %w", filepath.Base(o.EventPath), err),
				"the gate runs on pull_request and pull_request_review events")
		}
	}
	ev := res.Event
	if ev != nil && o.GitHub.Token == "" && o.Actions {
		return nil, notRun(fmt.Errorf("gate pull request #%d: GITHUB_TOKEN is not set, so reviews cannot be read nor the result published", ev.Number), TokenHint)
	}
	p, err := o.MakePlan(ctx, ev)
	if err != nil {
		return nil, err
	}
	var gh *github.Client
	if ev != nil && o.GitHub.Token != "" {
		if gh, err = github.New(o.GitHub); err != nil {
			return nil, badInput(err, "GITHUB_REPOSITORY is owner/name")
		}
	}
	if ev != nil {
		p.Context.Number, p.Context.Title, p.Context.Branch, p.Context.Author = ev.Number, ev.Title, ev.HeadRef, ev.Author
	}
	res.Plan = p
	if gh == nil {
		res.NotJudged = "no GITHUB_TOKEN"
		if o.GitHub.Token != "" {
			res.NotJudged = "no GITHUB_EVENT_PATH (not a pull-request event)"
		}
		if res.Markdown, err = markdown(p, nil); err != nil {
			return res, err
		}
		return res, writeSummary(o.SummaryPath, res.Markdown)
	}
	if err := judge(ctx, gh, ev, res); err != nil {
		return res, err
	}
	return res, publish(ctx, gh, o, res)
}

// judge reads the reviews and decides.
func judge(ctx context.Context, gh *github.Client, ev *github.Event, res *Result) error {
	reviews, err := gh.Reviews(ctx, ev.Number)
	if err != nil {
		return notRun(err, "the gate has not run; re-run the job")
	}
	g, err := change.Decide(change.GateInput{Plan: res.Plan.Plan, Author: ev.Author, HeadSHA: res.Plan.HeadSHA, Reviews: toReviews(reviews),
		Member: func(team, user string) (bool, error) { return gh.IsTeamMember(ctx, team, user) }})
	if err != nil {
		return notRun(err, "the gate has not run; the token needs read:org (members: read) to read team membership")
	}
	res.Gate = g
	res.Markdown, err = markdown(res.Plan, g)
	return err
}

// publish writes the comment, the check run, the labels and the summary.
func publish(ctx context.Context, gh *github.Client, o Options, res *Result) error {
	ev, p, g := res.Event, res.Plan, res.Gate
	var err error
	if res.CommentID, err = gh.UpsertComment(ctx, ev.Number, report.Marker, res.Markdown); err != nil {
		return notRun(err, "the token needs pull-requests: write")
	}
	conclusion, title := "success", "change gate passed"
	if !g.Pass {
		conclusion, title = "failure", fmt.Sprintf("change gate failed: %d reason(s)", len(g.Reasons))
	}
	var anns []github.Annotation
	for _, a := range report.Annotations(p.Plan) {
		anns = append(anns, github.Annotation{Path: a.Path, StartLine: a.StartLine, EndLine: a.EndLine, Level: a.Level, Message: a.Message, Title: a.Title})
	}
	name := o.CheckName
	if name == "" {
		name = "estate change"
	}
	if res.CheckRunID, err = gh.CheckRun(ctx, github.CheckRunSpec{Name: name, HeadSHA: p.HeadSHA, Conclusion: conclusion,
		Title: title, Summary: res.Markdown, Annotations: anns}); err != nil {
		return notRun(err, "the token needs checks: write")
	}
	if o.Labels {
		want := []string{"risk:" + p.Plan.EffectiveRisk(), "change:" + p.Plan.Type}
		if err := gh.SetLabels(ctx, ev.Number, []string{"risk:", "change:"}, want); err != nil {
			return notRun(err, "the token needs pull-requests: write (issues: write for labels)")
		}
	}
	return writeSummary(o.SummaryPath, res.Markdown)
}

func markdown(p *Plan, g *change.Gate) (string, error) {
	var md strings.Builder
	if err := report.Markdown(&md, p.Context, p.Plan, g); err != nil {
		return "", notRun(fmt.Errorf("render the plan: %w", err), "")
	}
	return md.String(), nil
}

func toReviews(rs []github.Review) []change.Review {
	out := make([]change.Review, 0, len(rs))
	for _, r := range rs {
		out = append(out, change.Review{User: r.User, State: r.State, CommitID: r.CommitID, At: r.SubmittedAt})
	}
	return out
}

// blocking reports whether a finding of the plan blocks the change (high
// or above, as change.Decide judges).
func blocking(p *change.Plan) bool { return record.Failing(p.Findings, record.SevHigh) > 0 }

// writeSummary appends md to the job summary at path ("" writes none).
func writeSummary(path, md string) error {
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return notRun(fmt.Errorf("write job summary: %w", err), "")
	}
	_, err = io.WriteString(f, md)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return notRun(fmt.Errorf("write job summary: %w", err), "")
	}
	return nil
}

// PullRequest is a pull request as the ledger records it: its approvals
// are those that count by the gate's rule (change.CountReviews).
type PullRequest struct {
	github.PullRequest
	Approvals []change.Review // counted approvals, by login
	Ignored   []string        // reviews that did not count, and why
}

// ReadPullRequest reads pull request n and its reviews through gh and
// counts the approvals as the gate does: a reviewer's latest deciding
// review, only approvals of the pull request's head commit, never the
// author's.
func ReadPullRequest(ctx context.Context, gh *github.Client, n int) (*PullRequest, error) {
	pr, err := gh.PullRequest(ctx, n)
	if err != nil {
		return nil, err
	}
	rs, err := gh.Reviews(ctx, n)
	if err != nil {
		return nil, err
	}
	c := change.CountReviews(toReviews(rs), pr.Author, pr.HeadSHA)
	return &PullRequest{PullRequest: *pr, Approvals: c.Approvals, Ignored: c.Ignored}, nil
}
