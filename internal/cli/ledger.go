package cli

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/gate"
	"github.com/estate-dev/estate/internal/github"
	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/ledger/ops"
	"github.com/estate-dev/estate/internal/record"
)

func newLedgerCmd(app *App) *cobra.Command {
	return group("ledger", "The status-accounting ledger: record changes and audits, verify the chain",
		newLedgerRecordCmd(app, nil), newLedgerRecordAuditCmd(app, nil), newLedgerVerifyCmd(app, nil), newLedgerShowCmd(app, nil))
}

// ledgerErr gives an error of internal/ledger/ops its exit: 2 when the
// request was at fault, else 3, with the error's hint.
func ledgerErr(err error) error {
	var ee *ExitError
	if err == nil || errors.As(err, &ee) {
		return err
	}
	ee = coreErr(err).(*ExitError)
	var h interface{ Hint() string }
	if ee.Hint == "" && errors.As(err, &h) {
		ee.Hint = h.Hint()
	}
	return ee
}

// ledgerWriter is where new entries go: the local ref, and the remote
// --push names.
func ledgerWriter(app *App, push string) ops.Writer {
	return ops.Writer{Push: push, Log: app.Log}
}

// parseApproval reads LOGIN@TIME; the login may itself hold an @.
func parseApproval(s string) (ledger.Approval, error) {
	i := strings.LastIndex(s, "@")
	if i <= 0 {
		return ledger.Approval{}, usageErr("--approved-by %q: want LOGIN@TIME, e.g. jane@2026-11-20T10:00:00Z", s)
	}
	t, err := time.Parse(time.RFC3339, s[i+1:])
	if err != nil {
		return ledger.Approval{}, usageErr("--approved-by %q: the time is not RFC 3339: %v", s, err)
	}
	return ledger.Approval{By: s[:i], At: ledger.FormatTime(t)}, nil
}

// readPR reads pull request n of the repository GITHUB_REPOSITORY (else
// github.owner/repo of settings) names, with its approving reviews.
func readPR(ctx context.Context, app *App, settings *record.Settings, merge string, n int) (*ops.PullRequest, error) {
	owner, repo, _ := strings.Cut(app.Getenv("GITHUB_REPOSITORY"), "/")
	if s := settings; (owner == "" || repo == "") && s != nil && s.GitHub != nil {
		owner, repo = s.GitHub.Owner, s.GitHub.Repo
	}
	if owner == "" || repo == "" {
		return nil, usageErr("which GitHub repository? set GITHUB_REPOSITORY=owner/repo or github.owner and github.repo in estate.yaml")
	}
	c, err := github.New(github.Config{Token: app.Getenv("GITHUB_TOKEN"), BaseURL: app.Getenv("GITHUB_API_URL"), Repository: owner + "/" + repo, Log: app.Log})
	if err != nil {
		return nil, usageErr("%v", err)
	}
	pr, err := gate.ReadPullRequest(ctx, c, n)
	if err != nil {
		return nil, &ExitError{Code: ExitFailure, Err: err, Hint: "check GITHUB_TOKEN can read pull requests of " + owner + "/" + repo}
	}
	if pr.MergeSHA != "" && pr.MergeSHA != merge {
		app.Log.Warn("the pull request's merge commit is not the recorded commit", "pr", n, "merge_commit_sha", pr.MergeSHA, "commit", merge)
	}
	for _, why := range pr.Ignored {
		app.Log.Info("review not counted", "pr", n, "why", why)
	}
	out := &ops.PullRequest{Title: pr.Title, Author: pr.Author, Head: pr.HeadSHA}
	for _, a := range pr.Approvals {
		out.Approvals = append(out.Approvals, ledger.Approval{By: a.User, At: ledger.FormatTime(a.At)})
	}
	return out, nil
}
