package github

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// retryTransport retries a request on a transport error, a 5xx, a 429, or
// a 403 that is a rate limit (X-RateLimit-Remaining: 0, Retry-After, or a
// body that says "secondary rate limit"), waiting what GitHub asks —
// Retry-After, else until X-RateLimit-Reset when none remain, else at
// least a minute for a secondary limit — or backoff, 2×backoff, ... When
// the wait asked is over maxWait, or the retries run out, the last
// response is returned as it is, so go-github reports the rate limit.
type retryTransport struct {
	base    http.RoundTripper
	retries int
	backoff time.Duration
	maxWait time.Duration
	log     *slog.Logger
	now     func() time.Time
	sleep   func(context.Context, time.Duration) error
}

// secondaryWait is GitHub's advice for a secondary rate limit that names
// no wait: "wait for at least one minute".
const secondaryWait = time.Minute

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	wait := t.backoff
	for attempt := 0; ; attempt++ {
		r := req
		if attempt > 0 {
			r = req.Clone(req.Context())
			if req.Body != nil && req.Body != http.NoBody {
				if req.GetBody == nil {
					return nil, fmt.Errorf("retry %s %s: the request body cannot be replayed", req.Method, req.URL.Path)
				}
				body, err := req.GetBody()
				if err != nil {
					return nil, fmt.Errorf("retry %s %s: %w", req.Method, req.URL.Path, err)
				}
				r.Body = body
			}
		}
		resp, err := t.base.RoundTrip(r)
		retry, d := t.shouldRetry(resp, err)
		if !retry || attempt >= t.retries {
			return resp, err
		}
		if d == 0 {
			d = wait
		}
		wait *= 2
		if d > t.maxWait {
			// The limit resets too late to wait for: report it now.
			return resp, err
		}
		if resp != nil {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
			resp.Body.Close()
		}
		t.log.Warn("GitHub API request failed; retrying", "method", req.Method, "path", req.URL.Path, "status", status(resp), "err", err, "wait", d)
		if err := t.sleep(req.Context(), d); err != nil {
			return nil, err
		}
	}
}

func status(resp *http.Response) int {
	if resp == nil {
		return 0
	}
	return resp.StatusCode
}

// shouldRetry says whether to retry and, when GitHub said, how long to wait.
func (t *retryTransport) shouldRetry(resp *http.Response, err error) (bool, time.Duration) {
	if err != nil {
		return true, 0
	}
	switch {
	case resp.StatusCode >= 500, resp.StatusCode == http.StatusTooManyRequests:
		return true, t.asked(resp)
	case resp.StatusCode == http.StatusForbidden:
		if resp.Header.Get("X-RateLimit-Remaining") == "0" || resp.Header.Get("Retry-After") != "" {
			return true, t.asked(resp)
		}
		if secondaryLimit(resp) {
			return true, max(t.backoff, secondaryWait)
		}
	}
	return false, 0
}

// secondaryLimit reports whether a 403's body says it is a secondary rate
// limit; the body is read (at most 64 KiB) and put back.
func secondaryLimit(resp *http.Response) bool {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(data), resp.Body), resp.Body}
	return strings.Contains(strings.ToLower(string(data)), "secondary rate limit")
}

// asked returns the wait GitHub asks for (Retry-After in seconds or as an
// HTTP date, or until X-RateLimit-Reset when none remain), or 0.
func (t *retryTransport) asked(resp *http.Response) time.Duration {
	if s := strings.TrimSpace(resp.Header.Get("Retry-After")); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n >= 0 {
			return time.Duration(n) * time.Second
		}
		if at, err := http.ParseTime(s); err == nil {
			return max(at.Sub(t.now()), 0)
		}
	}
	if resp.Header.Get("X-RateLimit-Remaining") == "0" {
		if n, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			if d := time.Unix(n, 0).Sub(t.now()); d > 0 {
				return d
			}
		}
	}
	return 0
}

func sleep(ctx context.Context, d time.Duration) error {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}
