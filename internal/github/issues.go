package github

import (
	"context"
	"errors"
	"fmt"

	gh "github.com/google/go-github/v60/github"
)

// Issue is an issue as estate reads and writes it.
type Issue struct {
	Number    int
	Title     string
	Body      string
	State     string // open or closed
	Labels    []string
	Assignees []string
	// Author is who opened the issue.
	Author Identity
}

// Wrote reports whether id is the author a: the same login and, when id
// names one, the same type. A marker in an issue's body is no proof of
// authorship: anyone can paste it.
func (id Identity) Wrote(a Identity) bool {
	return id.owns(&gh.User{Login: gh.String(a.Login), Type: gh.String(a.Type)})
}

// Issues lists the issues (not pull requests) of the repository, open and
// closed, that carry label (every issue when label is ""), page by page.
func (c *Client) Issues(ctx context.Context, label string) ([]Issue, error) {
	opt := &gh.IssueListByRepoOptions{State: "all", ListOptions: gh.ListOptions{PerPage: 100}}
	if label != "" {
		opt.Labels = []string{label}
	}
	var out []Issue
	for {
		is, resp, err := c.gh.Issues.ListByRepo(ctx, c.owner, c.repo, opt)
		if err != nil {
			return nil, c.wrap("list issues", err)
		}
		for _, i := range is {
			if i.IsPullRequest() {
				continue
			}
			out = append(out, fromGH(i))
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opt.Page = resp.NextPage
	}
}

func fromGH(i *gh.Issue) Issue {
	is := Issue{Number: i.GetNumber(), Title: i.GetTitle(), Body: i.GetBody(), State: i.GetState(),
		Author: Identity{Login: i.GetUser().GetLogin(), Type: i.GetUser().GetType()}}
	for _, l := range i.Labels {
		is.Labels = append(is.Labels, l.GetName())
	}
	for _, a := range i.Assignees {
		is.Assignees = append(is.Assignees, a.GetLogin())
	}
	return is
}

// CreateIssue opens an issue with title, body (clipped to GitHub's
// limit), labels and assignees, and returns it.
func (c *Client) CreateIssue(ctx context.Context, title, body string, labels, assignees []string) (Issue, error) {
	if title == "" {
		return Issue{}, errors.New("create issue: the title is empty")
	}
	req := &gh.IssueRequest{Title: gh.String(title), Body: gh.String(clip(body))}
	if len(labels) > 0 {
		req.Labels = &labels
	}
	if len(assignees) > 0 {
		req.Assignees = &assignees
	}
	i, _, err := c.gh.Issues.Create(ctx, c.owner, c.repo, req)
	if err != nil {
		return Issue{}, c.wrap("create issue "+title, err)
	}
	return fromGH(i), nil
}

// IssueEdit is what EditIssue changes; nil fields are left alone.
type IssueEdit struct {
	Title  *string
	Body   *string
	Labels *[]string // the whole set of labels
	// State is "open" or "closed"; a closed issue is closed as completed.
	State *string
}

// EditIssue changes issue number as e says.
func (c *Client) EditIssue(ctx context.Context, number int, e IssueEdit) error {
	req := &gh.IssueRequest{Title: e.Title, Labels: e.Labels, State: e.State}
	if e.Body != nil {
		req.Body = gh.String(clip(*e.Body))
	}
	if e.State != nil && *e.State == "closed" {
		req.StateReason = gh.String("completed")
	}
	if _, _, err := c.gh.Issues.Edit(ctx, c.owner, c.repo, number, req); err != nil {
		return c.wrap(fmt.Sprintf("edit issue #%d", number), err)
	}
	return nil
}

// CloseIssue closes issue number as completed, after commenting (when
// comment is not empty).
func (c *Client) CloseIssue(ctx context.Context, number int, comment string, e IssueEdit) error {
	if err := c.Comment(ctx, number, comment); err != nil {
		return err
	}
	e.State = gh.String("closed")
	return c.EditIssue(ctx, number, e)
}

// ReopenIssue reopens issue number, then comments (when comment is not
// empty).
func (c *Client) ReopenIssue(ctx context.Context, number int, comment string, e IssueEdit) error {
	e.State = gh.String("open")
	if err := c.EditIssue(ctx, number, e); err != nil {
		return err
	}
	return c.Comment(ctx, number, comment)
}

// Comment adds a comment to issue number; an empty body adds nothing.
func (c *Client) Comment(ctx context.Context, number int, body string) error {
	if body == "" {
		return nil
	}
	if _, _, err := c.gh.Issues.CreateComment(ctx, c.owner, c.repo, number, &gh.IssueComment{Body: gh.String(clip(body))}); err != nil {
		return c.wrap(fmt.Sprintf("comment on issue #%d", number), err)
	}
	return nil
}
