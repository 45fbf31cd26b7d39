// Package ghreviews reads a merged pull request and its approving reviews
// from the GitHub REST API (google/go-github), for `estate ledger record
// --pr N`.
package ghreviews

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/google/go-github/v60/github"

	"github.com/estate-dev/estate/internal/ledger"
)

// Client reads pull requests of one repository.
type Client struct {
	gh          *github.Client
	owner, repo string
}

// New returns a client for owner/repo at apiURL (e.g. GITHUB_API_URL,
// https://api.github.com) authenticated with token.
func New(httpClient *http.Client, apiURL, token, owner, repo string) (*Client, error) {
	c := github.NewClient(httpClient)
	if token != "" {
		c = c.WithAuthToken(token)
	}
	if apiURL != "" {
		u, err := url.Parse(strings.TrimSuffix(apiURL, "/") + "/")
		if err != nil {
			return nil, fmt.Errorf("parse GitHub API URL %q: %w", apiURL, err)
		}
		c.BaseURL = u
	}
	return &Client{gh: c, owner: owner, repo: repo}, nil
}

// PR is what the ledger keeps of a pull request.
type PR struct {
	Number    int
	Title     string
	Author    string // login
	Head      string // head commit
	Merge     string // merge commit sha
	Merged    bool
	Approvals []ledger.Approval
}

// PullRequest reads pull request n and its reviews. A reviewer approves
// when their latest deciding review (approved, changes requested,
// dismissed) is an approval; the time is that review's.
func (c *Client) PullRequest(ctx context.Context, n int) (*PR, error) {
	pr, _, err := c.gh.PullRequests.Get(ctx, c.owner, c.repo, n)
	if err != nil {
		return nil, fmt.Errorf("read pull request #%d of %s/%s: %w", n, c.owner, c.repo, err)
	}
	out := &PR{Number: n, Title: pr.GetTitle(), Author: pr.GetUser().GetLogin(), Head: pr.GetHead().GetSHA(),
		Merge: pr.GetMergeCommitSHA(), Merged: pr.GetMerged()}
	type decision struct {
		state string
		at    github.Timestamp
	}
	latest := map[string]decision{}
	opts := &github.ListOptions{PerPage: 100}
	for {
		rs, resp, err := c.gh.PullRequests.ListReviews(ctx, c.owner, c.repo, n, opts)
		if err != nil {
			return nil, fmt.Errorf("read reviews of pull request #%d: %w", n, err)
		}
		for _, r := range rs {
			st := r.GetState()
			if st != "APPROVED" && st != "CHANGES_REQUESTED" && st != "DISMISSED" {
				continue
			}
			login := r.GetUser().GetLogin()
			if d, ok := latest[login]; !ok || !r.GetSubmittedAt().Before(d.at.Time) {
				latest[login] = decision{st, r.GetSubmittedAt()}
			}
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	for login, d := range latest {
		if d.state == "APPROVED" {
			out.Approvals = append(out.Approvals, ledger.Approval{By: login, At: ledger.FormatTime(d.at.Time)})
		}
	}
	sort.Slice(out.Approvals, func(i, j int) bool { return out.Approvals[i].By < out.Approvals[j].By })
	return out, nil
}
