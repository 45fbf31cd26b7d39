package github

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/estate-dev/estate/internal/httpretry"
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
	// Identity, when set, is the account whose comments the client edits
	// (the one its token writes as). When nil it is found out once: GET
	// /user for a personal or OAuth token; when GitHub refuses that (403,
	// as it does for the GitHub Actions GITHUB_TOKEN, an installation
	// token), ActionsBot. Another GitHub App's token must name its bot
	// here, or its comments are not found again.
	Identity *Identity
	// HTTP is the client to use (default: a new one with a 30 s timeout);
	// its transport is wrapped with retries.
	HTTP *http.Client
	// Retries is how many times a failed request is retried (default 4);
	// Backoff the first wait, doubled each time (default 1 s). A
	// Retry-After or X-RateLimit-Reset longer than MaxWait (default 60 s)
	// is not waited for: the error is returned at once.
	Retries int
	Backoff time.Duration
	MaxWait time.Duration
	// Sleep waits d or until ctx is done (default: a timer); Now is the
	// clock (default time.Now). Tests replace both.
	Sleep func(ctx context.Context, d time.Duration) error
	Now   func() time.Time
	Log   *slog.Logger
}

// Identity is a GitHub account as a comment's user shows it.
type Identity struct {
	Login string
	// Type is "User" or "Bot"; empty matches either.
	Type string
}

// ActionsBot is the account the GitHub Actions GITHUB_TOKEN writes as.
var ActionsBot = Identity{Login: "github-actions[bot]", Type: "Bot"}

// ParseIdentity reads a login as an identity: a Bot when it ends in
// "[bot]" (as GitHub Apps' logins do), else a User.
func ParseIdentity(login string) Identity {
	if strings.HasSuffix(login, "[bot]") {
		return Identity{Login: login, Type: "Bot"}
	}
	return Identity{Login: login, Type: "User"}
}

func (id Identity) String() string { return id.Login }

// owns reports whether a comment's user is id.
func (id Identity) owns(u *gh.User) bool {
	if u == nil || id.Login == "" || !strings.EqualFold(u.GetLogin(), id.Login) {
		return false
	}
	return id.Type == "" || strings.EqualFold(u.GetType(), id.Type)
}

// Client talks to one repository. It is safe for concurrent use.
type Client struct {
	gh          *gh.Client
	owner, repo string
	now         func() time.Time

	selfOnce sync.Once
	self     Identity
	selfErr  error
}

var (
	// GitHub's documented name rules: owners are letters, digits and
	// hyphens; repositories also take '.' and '_'.
	reOwner = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$`)
	reRepo  = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)
	// reSlug is an organisation or team slug.
	reSlug = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
)

// New makes a client for cfg.Repository. It sends nothing.
func New(cfg Config) (*Client, error) {
	owner, repo, ok := strings.Cut(cfg.Repository, "/")
	if !ok || !reOwner.MatchString(owner) || !reRepo.MatchString(repo) || repo == "." || repo == ".." {
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
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = httpretry.Sleep
	}
	wrapped := *hc
	log := cfg.Log
	wrapped.Transport = &httpretry.Transport{Base: hc.Transport, Retries: cfg.Retries, Backoff: cfg.Backoff, MaxWait: cfg.MaxWait,
		Retryable: retryable(cfg.Now, cfg.Backoff), Sleep: cfg.Sleep,
		OnRetry: func(req *http.Request, resp *http.Response, err error, d time.Duration) {
			log.Warn("GitHub API request failed; retrying", "method", req.Method, "path", req.URL.Path, "status", status(resp), "err", err, "wait", d)
		}}
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
	cl := &Client{gh: c, owner: owner, repo: repo, now: cfg.Now}
	if cfg.Identity != nil {
		if cfg.Identity.Login == "" {
			return nil, errors.New("read identity: the login is empty")
		}
		cl.selfOnce.Do(func() { cl.self = *cfg.Identity })
	}
	return cl, nil
}

// Must is New for a Config known to be good (tests, constants); it
// panics on an error.
func Must(cfg Config) *Client {
	c, err := New(cfg)
	if err != nil {
		panic(err)
	}
	return c
}

// Repository returns owner/name.
func (c *Client) Repository() string { return c.owner + "/" + c.repo }

// Self returns the identity the client's token writes as (Config.Identity,
// or found out once, see there).
func (c *Client) Self(ctx context.Context) (Identity, error) {
	c.selfOnce.Do(func() {
		u, resp, err := c.gh.Users.Get(ctx, "")
		switch {
		case resp != nil && resp.StatusCode == http.StatusForbidden && !isRateLimit(err):
			// "Resource not accessible by integration": an installation
			// token, which is what GitHub Actions hands out.
			c.self = ActionsBot
		case err != nil:
			c.selfErr = c.wrap("read the token's user", err)
		case u.GetLogin() == "":
			c.selfErr = errors.New("read the token's user: GitHub returned no login")
		default:
			c.self = Identity{Login: u.GetLogin(), Type: u.GetType()}
		}
	})
	return c.self, c.selfErr
}

// path joins escaped segments under repos/{owner}/{repo}/.
func (c *Client) path(segments ...string) string {
	var b strings.Builder
	b.WriteString("repos/" + url.PathEscape(c.owner) + "/" + url.PathEscape(c.repo))
	for _, s := range segments {
		b.WriteString("/" + url.PathEscape(s))
	}
	return b.String()
}

// RateLimitError says GitHub's rate limit was hit and retries ran out.
type RateLimitError struct {
	Op    string
	Reset time.Time // zero when GitHub did not say
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

func isRateLimit(err error) bool {
	var rl *gh.RateLimitError
	var ab *gh.AbuseRateLimitError
	return errors.As(err, &rl) || errors.As(err, &ab)
}

// wrap names the operation that failed, as "op: err", or as a
// *RateLimitError for a rate limit.
func (c *Client) wrap(op string, err error) error {
	var rl *gh.RateLimitError
	if errors.As(err, &rl) {
		return &RateLimitError{Op: op, Reset: rl.Rate.Reset.Time, Err: err}
	}
	var ab *gh.AbuseRateLimitError
	if errors.As(err, &ab) {
		e := &RateLimitError{Op: op, Err: err}
		if ab.RetryAfter != nil {
			e.Reset = c.now().Add(*ab.RetryAfter)
		}
		return e
	}
	var er *gh.ErrorResponse
	if errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusTooManyRequests {
		return &RateLimitError{Op: op, Err: err}
	}
	return fmt.Errorf("%s: %w", op, err)
}

// StatusCode returns the HTTP status of a GitHub error response in err's
// chain, or 0.
func StatusCode(err error) int {
	var er *gh.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return er.Response.StatusCode
	}
	return 0
}
