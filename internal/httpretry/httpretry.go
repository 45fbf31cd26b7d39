package httpretry

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Transport retries requests as the package comment says.
type Transport struct {
	Base    http.RoundTripper // default http.DefaultTransport
	Retries int               // tries after the first
	Backoff time.Duration     // the first pause when the server names none; doubled each try
	MaxWait time.Duration     // a longer wait is not waited: the answer is returned (0: no limit)
	// Retryable says whether an answer is tried again and how long the
	// server asked to wait (0: the backoff); default Retryable.
	Retryable func(resp *http.Response, err error) (retry bool, wait time.Duration)
	Sleep     func(context.Context, time.Duration) error // default Sleep
	// OnRetry, when set, hears each retry before its wait (for a log).
	OnRetry func(req *http.Request, resp *http.Response, err error, wait time.Duration)
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base, retryable, sleep := t.Base, t.Retryable, t.Sleep
	if base == nil {
		base = http.DefaultTransport
	}
	if retryable == nil {
		retryable = Retryable
	}
	if sleep == nil {
		sleep = Sleep
	}
	wait := t.Backoff
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
		resp, err := base.RoundTrip(r)
		retry, d := retryable(resp, err)
		if !retry || attempt >= t.Retries || req.Context().Err() != nil {
			return resp, err
		}
		if d == 0 {
			d = wait
		}
		wait *= 2
		if t.MaxWait > 0 && d > t.MaxWait {
			return resp, err // the server asks for longer than we wait: say so now
		}
		if resp != nil {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
			resp.Body.Close()
		}
		if t.OnRetry != nil {
			t.OnRetry(req, resp, err, d)
		}
		if err := sleep(req.Context(), d); err != nil {
			return nil, err
		}
	}
}

// Retryable is the rule every API shares: a transport error, a 5xx and a
// 429 are tried again, after the Retry-After the answer gives.
func Retryable(resp *http.Response, err error) (bool, time.Duration) {
	if err != nil {
		return true, 0
	}
	if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
		d, _ := RetryAfter(resp.Header.Get("Retry-After"), time.Now())
		return true, d
	}
	return false, 0
}

// RetryAfter reads a Retry-After header: seconds, or an HTTP date (from
// now). ok is false when there is none, or it does not parse.
func RetryAfter(h string, now time.Time) (d time.Duration, ok bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(h); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	if at, err := http.ParseTime(h); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}

// Sleep waits d, or until ctx ends (its error).
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
