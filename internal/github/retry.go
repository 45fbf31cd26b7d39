package github

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/estate-dev/estate/internal/httpretry"
)

// GitHub's rule for trying a request again (internal/httpretry does the
// trying): a transport error, a 5xx, a 429, or a 403 that is a rate limit
// (X-RateLimit-Remaining: 0, Retry-After, or a body that says "secondary
// rate limit"), waiting what GitHub asks — Retry-After, else until
// X-RateLimit-Reset when none remain, else at least a minute for a
// secondary limit — or the doubling backoff. A wait over MaxWait is not
// waited: the response is returned as it is, so go-github reports the
// rate limit.

// secondaryWait is GitHub's advice for a secondary rate limit that names
// no wait: "wait for at least one minute".
const secondaryWait = time.Minute

// retryable is GitHub's rule, with its clock and the backoff a secondary
// limit waits at least.
func retryable(now func() time.Time, backoff time.Duration) func(*http.Response, error) (bool, time.Duration) {
	return func(resp *http.Response, err error) (bool, time.Duration) {
		if err != nil {
			return true, 0
		}
		switch {
		case resp.StatusCode >= 500, resp.StatusCode == http.StatusTooManyRequests:
			return true, asked(resp, now())
		case resp.StatusCode == http.StatusForbidden:
			if resp.Header.Get("X-RateLimit-Remaining") == "0" || resp.Header.Get("Retry-After") != "" {
				return true, asked(resp, now())
			}
			if secondaryLimit(resp) {
				return true, max(backoff, secondaryWait)
			}
		}
		return false, 0
	}
}

func status(resp *http.Response) int {
	if resp == nil {
		return 0
	}
	return resp.StatusCode
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

// asked returns the wait GitHub asks for (Retry-After, or until
// X-RateLimit-Reset when none remain), or 0.
func asked(resp *http.Response, now time.Time) time.Duration {
	if d, ok := httpretry.RetryAfter(resp.Header.Get("Retry-After"), now); ok {
		return d
	}
	if resp.Header.Get("X-RateLimit-Remaining") == "0" {
		if n, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			if d := time.Unix(n, 0).Sub(now); d > 0 {
				return d
			}
		}
	}
	return 0
}
