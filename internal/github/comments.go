package github

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	gh "github.com/google/go-github/v60/github"
)

// UpsertComment keeps one comment on pull request number: the first
// comment that the client's own identity (Self) wrote and whose body holds
// marker is edited to body (when it differs); when there is none, one is
// created. A comment holding the marker that anyone else wrote is left
// alone: a marker is no proof of authorship, anyone can paste it. body
// must contain marker and is clipped to GitHub's limit. It returns the
// comment's id.
func (c *Client) UpsertComment(ctx context.Context, number int, marker, body string) (int64, error) {
	if marker == "" || !strings.Contains(body, marker) {
		return 0, errors.New("upsert comment: the body lacks the marker")
	}
	self, err := c.Self(ctx)
	if err != nil {
		return 0, fmt.Errorf("upsert comment: %w", err)
	}
	body = clip(body) // GitHub refuses a comment over 65,536 characters
	opt := &gh.IssueListCommentsOptions{ListOptions: gh.ListOptions{PerPage: 100}}
	for {
		cs, resp, err := c.gh.Issues.ListComments(ctx, c.owner, c.repo, number, opt)
		if err != nil {
			return 0, c.wrap(fmt.Sprintf("list comments of pull request #%d", number), err)
		}
		for _, cm := range cs {
			if !self.owns(cm.GetUser()) || !strings.Contains(cm.GetBody(), marker) {
				continue
			}
			if cm.GetBody() == body {
				return cm.GetID(), nil
			}
			if _, _, err := c.gh.Issues.EditComment(ctx, c.owner, c.repo, cm.GetID(), &gh.IssueComment{Body: gh.String(body)}); err != nil {
				return 0, c.wrap("edit comment", err)
			}
			return cm.GetID(), nil
		}
		if resp.NextPage == 0 {
			break
		}
		opt.Page = resp.NextPage
	}
	cm, _, err := c.gh.Issues.CreateComment(ctx, c.owner, c.repo, number, &gh.IssueComment{Body: gh.String(body)})
	if err != nil {
		return 0, c.wrap(fmt.Sprintf("create comment on pull request #%d", number), err)
	}
	return cm.GetID(), nil
}

// maxSummary keeps a check run's summary and a comment under GitHub's
// limit (65,535 and 65,536 characters).
const maxSummary = 60000

// clip cuts s to maxSummary bytes at a line break (never inside a UTF-8
// sequence) and says so.
func clip(s string) string {
	if len(s) <= maxSummary {
		return s
	}
	cut := strings.LastIndexByte(s[:maxSummary], '\n')
	if cut < 0 {
		cut = maxSummary
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
	}
	return s[:cut] + "\n\n(truncated: run estate change plan for the whole plan)\n"
}
