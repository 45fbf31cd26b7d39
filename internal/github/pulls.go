package github

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	gh "github.com/google/go-github/v60/github"
)

// PullRequest is what estate reads of a pull request.
type PullRequest struct {
	Number           int
	Title            string
	Author           string // login
	HeadSHA, HeadRef string
	BaseSHA, BaseRef string
	Merged           bool
	MergeSHA         string // merge_commit_sha (set before the merge too: the test merge)
}

// PullRequest reads pull request number.
func (c *Client) PullRequest(ctx context.Context, number int) (*PullRequest, error) {
	pr, _, err := c.gh.PullRequests.Get(ctx, c.owner, c.repo, number)
	if err != nil {
		return nil, c.wrap(fmt.Sprintf("read pull request #%d of %s", number, c.Repository()), err)
	}
	return &PullRequest{Number: number, Title: pr.GetTitle(), Author: pr.GetUser().GetLogin(),
		HeadSHA: pr.GetHead().GetSHA(), HeadRef: pr.GetHead().GetRef(), BaseSHA: pr.GetBase().GetSHA(), BaseRef: pr.GetBase().GetRef(),
		Merged: pr.GetMerged(), MergeSHA: pr.GetMergeCommitSHA()}, nil
}

// Review is one review of a pull request.
type Review struct {
	User        string
	State       string // APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING
	CommitID    string
	SubmittedAt time.Time
}

// Reviews lists every review of pull request number, oldest first, page
// by page.
func (c *Client) Reviews(ctx context.Context, number int) ([]Review, error) {
	var out []Review
	opt := &gh.ListOptions{PerPage: 100}
	for {
		rs, resp, err := c.gh.PullRequests.ListReviews(ctx, c.owner, c.repo, number, opt)
		if err != nil {
			return nil, c.wrap(fmt.Sprintf("list reviews of pull request #%d", number), err)
		}
		for _, r := range rs {
			out = append(out, Review{User: r.GetUser().GetLogin(), State: r.GetState(), CommitID: r.GetCommitID(), SubmittedAt: r.GetSubmittedAt().Time})
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opt.Page = resp.NextPage
	}
}

// IsTeamMember reports whether user is an active member of team, written
// @org/slug (as in the change policy). A 404 means not a member.
func (c *Client) IsTeamMember(ctx context.Context, team, user string) (bool, error) {
	org, slug, ok := strings.Cut(strings.TrimPrefix(team, "@"), "/")
	if !ok || !reSlug.MatchString(org) || !reSlug.MatchString(slug) {
		return false, fmt.Errorf("read team %q: want @org/team", team)
	}
	if user == "" {
		return false, nil
	}
	req, err := c.gh.NewRequest(http.MethodGet, "orgs/"+url.PathEscape(org)+"/teams/"+url.PathEscape(slug)+"/memberships/"+url.PathEscape(user), nil)
	if err != nil {
		return false, err
	}
	var m gh.Membership
	resp, err := c.gh.Do(ctx, req, &m)
	if resp != nil && resp.StatusCode == http.StatusNotFound {
		return false, nil
	}
	if err != nil {
		return false, c.wrap("read membership of "+user+" in "+team, err)
	}
	return m.GetState() == "active", nil
}

// itoa is strconv.Itoa, for path segments.
func itoa(n int) string { return strconv.Itoa(n) }
