package github

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	gh "github.com/google/go-github/v60/github"
)

// Labels lists the names of the labels on issue or pull request number,
// page by page.
func (c *Client) Labels(ctx context.Context, number int) ([]string, error) {
	var out []string
	opt := &gh.ListOptions{PerPage: 100}
	for {
		ls, resp, err := c.gh.Issues.ListLabelsByIssue(ctx, c.owner, c.repo, number, opt)
		if err != nil {
			return nil, c.wrap(fmt.Sprintf("list labels of #%d", number), err)
		}
		for _, l := range ls {
			out = append(out, l.GetName())
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opt.Page = resp.NextPage
	}
}

// AddLabels adds labels to issue or pull request number (POST
// .../labels with {"labels": [...]}, as documented). Labels it already
// has stay; missing ones are created by GitHub.
func (c *Client) AddLabels(ctx context.Context, number int, names []string) error {
	if len(names) == 0 {
		return nil
	}
	body := struct {
		Labels []string `json:"labels"`
	}{names}
	req, err := c.gh.NewRequest(http.MethodPost, c.path("issues", itoa(number), "labels"), body)
	if err != nil {
		return fmt.Errorf("add labels: %w", err)
	}
	if _, err := c.gh.Do(ctx, req, nil); err != nil {
		return c.wrap("add labels "+strings.Join(names, ", "), err)
	}
	return nil
}

// RemoveLabel removes label name from issue or pull request number. The
// name is escaped in the path (a name may hold '#', '?', '/' or '%'); a
// label that is not there (404) is not an error.
func (c *Client) RemoveLabel(ctx context.Context, number int, name string) error {
	req, err := c.gh.NewRequest(http.MethodDelete, c.path("issues", itoa(number), "labels", name), nil)
	if err != nil {
		return fmt.Errorf("remove label %q: %w", name, err)
	}
	resp, err := c.gh.Do(ctx, req, nil)
	if resp != nil && resp.StatusCode == http.StatusNotFound {
		return nil
	}
	if err != nil {
		return c.wrap(fmt.Sprintf("remove label %q", name), err)
	}
	return nil
}

// SetLabels makes the labels of number that start with any of prefixes
// exactly want: stale ones (risk:low after the risk rose) are removed,
// missing ones added; other labels are left alone.
func (c *Client) SetLabels(ctx context.Context, number int, prefixes, want []string) error {
	have, err := c.Labels(ctx, number)
	if err != nil {
		return err
	}
	wanted := map[string]bool{}
	for _, w := range want {
		wanted[w] = true
	}
	for _, name := range have {
		if wanted[name] {
			delete(wanted, name)
			continue
		}
		for _, p := range prefixes {
			if strings.HasPrefix(name, p) {
				if err := c.RemoveLabel(ctx, number, name); err != nil {
					return err
				}
				break
			}
		}
	}
	var add []string
	for _, w := range want {
		if wanted[w] {
			add = append(add, w)
			delete(wanted, w)
		}
	}
	return c.AddLabels(ctx, number, add)
}

// clipBytes cuts s to at most n bytes, never inside a UTF-8 sequence.
func clipBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
