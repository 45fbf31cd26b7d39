package ops

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"github.com/estate-dev/estate/internal/gate"
	"github.com/estate-dev/estate/internal/github"
	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/record"
)

// GitHubReviews reads a merged pull request and its approvals through the
// one GitHub client (internal/github), counting approvals as the gate
// does (gate.ReadPullRequest: a reviewer's latest deciding review, of the
// head commit). Its Read is a RecordOptions.Reviews.
type GitHubReviews struct {
	Token      string // GITHUB_TOKEN
	APIURL     string // GITHUB_API_URL (default https://api.github.com)
	Repository string // owner/repo (GITHUB_REPOSITORY); else estate.yaml's github.owner and repo
	Log        *slog.Logger
}

// Read reads pull request n, which merged as commit merge; settings are
// estate.yaml's at that commit.
func (g GitHubReviews) Read(ctx context.Context, settings *record.Settings, merge string, n int) (*PullRequest, error) {
	log := logger(g.Log)
	owner, repo, _ := strings.Cut(g.Repository, "/")
	if (owner == "" || repo == "") && settings != nil && settings.GitHub != nil {
		owner, repo = settings.GitHub.Owner, settings.GitHub.Repo
	}
	if owner == "" || repo == "" {
		return nil, usage(errors.New("which GitHub repository?"), "set GITHUB_REPOSITORY=owner/repo, or github.owner and github.repo in estate.yaml")
	}
	c, err := github.New(github.Config{Token: g.Token, BaseURL: g.APIURL, Repository: owner + "/" + repo, Log: g.Log})
	if err != nil {
		return nil, usage(err, "")
	}
	pr, err := gate.ReadPullRequest(ctx, c, n)
	if err != nil {
		return nil, failure(err, "check GITHUB_TOKEN can read pull requests of "+owner+"/"+repo)
	}
	if pr.MergeSHA != "" && pr.MergeSHA != merge {
		log.Warn("the pull request's merge commit is not the recorded commit", "pr", n, "merge_commit_sha", pr.MergeSHA, "commit", merge)
	}
	for _, why := range pr.Ignored {
		log.Info("review not counted", "pr", n, "why", why)
	}
	out := &PullRequest{Title: pr.Title, Author: pr.Author, Head: pr.HeadSHA}
	for _, a := range pr.Approvals {
		out.Approvals = append(out.Approvals, ledger.Approval{By: a.User, At: ledger.FormatTime(a.At)})
	}
	return out, nil
}
