// Package github is estate's only door to the GitHub REST API (through
// google/go-github/v60): pull-request reviews, team membership, the one
// comment estate keeps on a pull request (found again by a hidden marker),
// check runs with annotations, and labels. It also reads the event payload
// GitHub Actions writes to GITHUB_EVENT_PATH.
//
// Every request is retried with backoff on a server error or a rate limit;
// when the retries run out the error says so (a *RateLimitError for a rate
// limit). A caller must treat any error as "the gate has not run", never
// as a pass.
package github

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	gh "github.com/google/go-github/v60/github"
)

// Config says how to reach GitHub.
type Config struct {
	Token string
	// BaseURL is the REST API's root (GITHUB_API_URL); default
	// https://api.github.com/.
	BaseURL string
	// Repository is owner/name (GITHUB_REPOSITORY).
	Repository string
	// HTTP is the client to use (default: a new one with a 30 s timeout);
	// its transport is wrapped with retries.
	HTTP *http.Client
	// Retries is how many times a failed request is retried (default 4);
	// Backoff the first wait, doubled each time (default 1 s). A
	// Retry-After or X-RateLimit-Reset longer than MaxWait (default 60 s)
	// is not waited for.
	Retries int
	Backoff time.Duration
	MaxWait time.Duration
	Log     *slog.Logger
}

// Client talks to one repository.
type Client struct {
	gh          *gh.Client
	owner, repo string
}

// New makes a client for cfg.Repository.
func New(cfg Config) (*Client, error) {
	owner, repo, ok := strings.Cut(cfg.Repository, "/")
	if !ok || owner == "" || repo == "" || strings.Contains(repo, "/") {
		return nil, fmt.Errorf("read repository %q: want owner/name", cfg.Repository)
	}
	hc := cfg.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Retries == 0 {
		cfg.Retries = 4
	}
	if cfg.Backoff == 0 {
		cfg.Backoff = time.Second
	}
	if cfg.MaxWait == 0 {
		cfg.MaxWait = time.Minute
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	wrapped := *hc
	wrapped.Transport = &retryTransport{base: base, retries: cfg.Retries, backoff: cfg.Backoff, maxWait: cfg.MaxWait, log: cfg.Log}
	c := gh.NewClient(&wrapped)
	if cfg.Token != "" {
		c = c.WithAuthToken(cfg.Token)
	}
	if cfg.BaseURL != "" && strings.TrimSuffix(cfg.BaseURL, "/") != "https://api.github.com" {
		u := cfg.BaseURL
		if !strings.HasSuffix(u, "/") {
			u += "/"
		}
		// GITHUB_API_URL names the API root (on GHES too: .../api/v3).
		bu, err := url.Parse(u)
		if err != nil || (bu.Scheme != "https" && bu.Scheme != "http") || bu.Host == "" {
			return nil, fmt.Errorf("read GITHUB_API_URL %q: want an http(s) URL", cfg.BaseURL)
		}
		c.BaseURL = bu
	}
	return &Client{gh: c, owner: owner, repo: repo}, nil
}

// Review is one review of a pull request.
type Review struct {
	User        string
	State       string // APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING
	CommitID    string
	SubmittedAt time.Time
}

// Reviews lists every review of pull request number, oldest first.
func (c *Client) Reviews(ctx context.Context, number int) ([]Review, error) {
	var out []Review
	opt := &gh.ListOptions{PerPage: 100}
	for {
		rs, resp, err := c.gh.PullRequests.ListReviews(ctx, c.owner, c.repo, number, opt)
		if err != nil {
			return nil, wrap("list reviews of pull request", err)
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
// @org/slug (as in the change policy).
func (c *Client) IsTeamMember(ctx context.Context, team, user string) (bool, error) {
	org, slug, ok := strings.Cut(strings.TrimPrefix(team, "@"), "/")
	if !ok || org == "" || slug == "" {
		return false, fmt.Errorf("read team %q: want @org/team", team)
	}
	m, resp, err := c.gh.Teams.GetTeamMembershipBySlug(ctx, org, slug, user)
	if resp != nil && resp.StatusCode == http.StatusNotFound {
		return false, nil
	}
	if err != nil {
		return false, wrap("read membership of "+user+" in "+team, err)
	}
	return m.GetState() == "active", nil
}

// UpsertComment keeps one comment on pull request number: the first whose
// body holds marker is edited to body (when it differs); when there is
// none, one is created. body must contain marker. It returns the
// comment's id.
func (c *Client) UpsertComment(ctx context.Context, number int, marker, body string) (int64, error) {
	if !strings.Contains(body, marker) {
		return 0, errors.New("upsert comment: the body lacks the marker")
	}
	body = clip(body) // GitHub refuses a comment over 65,536 characters
	opt := &gh.IssueListCommentsOptions{ListOptions: gh.ListOptions{PerPage: 100}}
	for {
		cs, resp, err := c.gh.Issues.ListComments(ctx, c.owner, c.repo, number, opt)
		if err != nil {
			return 0, wrap("list comments of pull request", err)
		}
		for _, cm := range cs {
			if strings.Contains(cm.GetBody(), marker) {
				if cm.GetBody() == body {
					return cm.GetID(), nil
				}
				_, _, err := c.gh.Issues.EditComment(ctx, c.owner, c.repo, cm.GetID(), &gh.IssueComment{Body: gh.String(body)})
				if err != nil {
					return 0, wrap("edit comment", err)
				}
				return cm.GetID(), nil
			}
		}
		if resp.NextPage == 0 {
			break
		}
		opt.Page = resp.NextPage
	}
	cm, _, err := c.gh.Issues.CreateComment(ctx, c.owner, c.repo, number, &gh.IssueComment{Body: gh.String(body)})
	if err != nil {
		return 0, wrap("create comment", err)
	}
	return cm.GetID(), nil
}

// Annotation is a check-run annotation on a file's lines.
type Annotation struct {
	Path               string
	StartLine, EndLine int
	Level              string // notice, warning, failure
	Title, Message     string
}

// CheckRunSpec is a completed check run.
type CheckRunSpec struct {
	Name, HeadSHA       string
	Conclusion          string // success, failure, neutral
	Title, Summary      string
	Annotations         []Annotation
	DetailsURL, Details string
}

// maxAnnotations is how many annotations GitHub takes per request.
const maxAnnotations = 50

// maxSummary keeps a check run's summary and a comment under GitHub's
// limit (65,535 and 65,536 characters).
const maxSummary = 60000

// CheckRun creates a completed check run on spec.HeadSHA; annotations
// beyond the first 50 are added by updates of 50 each.
func (c *Client) CheckRun(ctx context.Context, spec CheckRunSpec) error {
	anns := toAnnotations(spec.Annotations)
	first := anns
	if len(first) > maxAnnotations {
		first = first[:maxAnnotations]
	}
	out := &gh.CheckRunOutput{Title: gh.String(spec.Title), Summary: gh.String(clip(spec.Summary)), Annotations: first}
	run, _, err := c.gh.Checks.CreateCheckRun(ctx, c.owner, c.repo, gh.CreateCheckRunOptions{
		Name: spec.Name, HeadSHA: spec.HeadSHA, Status: gh.String("completed"), Conclusion: gh.String(spec.Conclusion),
		CompletedAt: &gh.Timestamp{Time: time.Now().UTC()}, Output: out,
	})
	if err != nil {
		return wrap("create check run", err)
	}
	for i := maxAnnotations; i < len(anns); i += maxAnnotations {
		end := min(i+maxAnnotations, len(anns))
		_, _, err := c.gh.Checks.UpdateCheckRun(ctx, c.owner, c.repo, run.GetID(), gh.UpdateCheckRunOptions{
			Name:   spec.Name,
			Output: &gh.CheckRunOutput{Title: gh.String(spec.Title), Summary: gh.String(clip(spec.Summary)), Annotations: anns[i:end]},
		})
		if err != nil {
			return wrap("add annotations to check run", err)
		}
	}
	return nil
}

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

func toAnnotations(as []Annotation) []*gh.CheckRunAnnotation {
	out := make([]*gh.CheckRunAnnotation, 0, len(as))
	for _, a := range as {
		end := a.EndLine
		if end < a.StartLine {
			end = a.StartLine
		}
		out = append(out, &gh.CheckRunAnnotation{Path: gh.String(a.Path), StartLine: gh.Int(a.StartLine), EndLine: gh.Int(end),
			AnnotationLevel: gh.String(a.Level), Title: gh.String(a.Title), Message: gh.String(a.Message)})
	}
	return out
}

// SetLabels makes the pull request's labels with any of prefixes exactly
// want: stale ones (risk:low after the risk rose) are removed, missing
// ones added.
func (c *Client) SetLabels(ctx context.Context, number int, prefixes, want []string) error {
	have, _, err := c.gh.Issues.ListLabelsByIssue(ctx, c.owner, c.repo, number, &gh.ListOptions{PerPage: 100})
	if err != nil {
		return wrap("list labels", err)
	}
	wanted := map[string]bool{}
	for _, w := range want {
		wanted[w] = true
	}
	for _, l := range have {
		name := l.GetName()
		if wanted[name] {
			delete(wanted, name)
			continue
		}
		for _, p := range prefixes {
			if strings.HasPrefix(name, p) {
				if _, err := c.gh.Issues.RemoveLabelForIssue(ctx, c.owner, c.repo, number, name); err != nil {
					return wrap("remove label "+name, err)
				}
				break
			}
		}
	}
	var add []string
	for _, w := range want {
		if wanted[w] {
			add = append(add, w)
		}
	}
	if len(add) == 0 {
		return nil
	}
	if _, _, err := c.gh.Issues.AddLabelsToIssue(ctx, c.owner, c.repo, number, add); err != nil {
		return wrap("add labels", err)
	}
	return nil
}

// RateLimitError says GitHub's rate limit was hit and retries ran out.
type RateLimitError struct {
	Op    string
	Reset time.Time
	Err   error
}

func (e *RateLimitError) Error() string {
	s := e.Op + ": GitHub API rate limit exceeded"
	if !e.Reset.IsZero() {
		s += " until " + e.Reset.UTC().Format(time.RFC3339)
	}
	return s
}

func (e *RateLimitError) Unwrap() error { return e.Err }

func wrap(op string, err error) error {
	var rl *gh.RateLimitError
	if errors.As(err, &rl) {
		return &RateLimitError{Op: op, Reset: rl.Rate.Reset.Time, Err: err}
	}
	var ab *gh.AbuseRateLimitError
	if errors.As(err, &ab) {
		e := &RateLimitError{Op: op, Err: err}
		if ab.RetryAfter != nil {
			e.Reset = time.Now().Add(*ab.RetryAfter)
		}
		return e
	}
	var er *gh.ErrorResponse
	if errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusTooManyRequests {
		return &RateLimitError{Op: op, Err: err}
	}
	return fmt.Errorf("%s: %w", op, err)
}

// Event is what the gate needs of a pull_request or pull_request_review
// event payload.
type Event struct {
	Action  string
	Number  int
	Title   string
	Author  string
	HeadSHA string
	HeadRef string
	BaseSHA string
	BaseRef string
}

// ParseEvent reads a GITHUB_EVENT_PATH payload. It fails when the payload
// holds no pull request (the gate runs on pull_request and
// pull_request_review events).
func ParseEvent(data []byte) (*Event, error) {
	var p struct {
		Action      string `json:"action"`
		PullRequest *struct {
			Number int    `json:"number"`
			Title  string `json:"title"`
			User   struct {
				Login string `json:"login"`
			} `json:"user"`
			Head struct {
				SHA string `json:"sha"`
				Ref string `json:"ref"`
			} `json:"head"`
			Base struct {
				SHA string `json:"sha"`
				Ref string `json:"ref"`
			} `json:"base"`
		} `json:"pull_request"`
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("parse event: %w", err)
	}
	pr := p.PullRequest
	if pr == nil || pr.Number == 0 {
		return nil, errors.New("parse event: it holds no pull request")
	}
	if pr.Head.SHA == "" || pr.Base.SHA == "" {
		return nil, errors.New("parse event: the pull request has no head or base commit")
	}
	return &Event{Action: p.Action, Number: pr.Number, Title: pr.Title, Author: pr.User.Login,
		HeadSHA: pr.Head.SHA, HeadRef: pr.Head.Ref, BaseSHA: pr.Base.SHA, BaseRef: pr.Base.Ref}, nil
}
