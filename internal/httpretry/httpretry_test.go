package httpretry

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestTransport: a 503 and a 429 (Retry-After) are tried again, the body
// replayed; a 404 is not; the waits are Retry-After's or the doubling
// backoff; past the retries the last answer is returned as it is.
func TestTransport(t *testing.T) {
	var calls atomic.Int32
	answers := []int{503, 429, 200}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(calls.Add(1)) - 1
		if b, _ := io.ReadAll(r.Body); string(b) != "payload" {
			t.Errorf("try %d: body %q", n, b)
		}
		code := 404
		if n < len(answers) {
			code = answers[n]
		}
		if code == 429 {
			w.Header().Set("Retry-After", "7")
		}
		w.WriteHeader(code)
	}))
	defer srv.Close()
	var slept []time.Duration
	tr := &Transport{Retries: 5, Backoff: time.Second, Sleep: func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }}
	c := &http.Client{Transport: tr}
	resp, err := c.Post(srv.URL, "text/plain", strings.NewReader("payload"))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %v", resp, err)
	}
	resp.Body.Close()
	if calls.Load() != 3 || len(slept) != 2 || slept[0] != time.Second || slept[1] != 7*time.Second {
		t.Fatalf("%d calls, slept %v", calls.Load(), slept)
	}
	resp, err = c.Post(srv.URL, "text/plain", strings.NewReader("payload"))
	if err != nil || resp.StatusCode != 404 || calls.Load() != 4 {
		t.Fatalf("a 404 is answered, not retried: %v %v, %d calls", resp, err, calls.Load())
	}
	resp.Body.Close()
	answers, slept = []int{500, 500, 500, 500, 500, 500, 500, 500}, nil
	calls.Store(0)
	tr.Retries = 2
	resp, err = c.Post(srv.URL, "text/plain", strings.NewReader("payload"))
	if err != nil || resp.StatusCode != 500 || calls.Load() != 3 || len(slept) != 2 || slept[1] != 2*time.Second {
		t.Fatalf("past the retries: %v %v, %d calls, slept %v", resp, err, calls.Load(), slept)
	}
	resp.Body.Close()
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	for h, want := range map[string]time.Duration{"7": 7 * time.Second, " 0 ": 0, "Wed, 02 Dec 2026 09:01:00 GMT": time.Minute, "Wed, 02 Dec 2026 08:00:00 GMT": 0} {
		if d, ok := RetryAfter(h, now); !ok || d != want {
			t.Errorf("RetryAfter(%q) = %v, %v; want %v", h, d, ok, want)
		}
	}
	for _, h := range []string{"", "soon", "-3"} {
		if _, ok := RetryAfter(h, now); ok {
			t.Errorf("RetryAfter(%q) parsed", h)
		}
	}
}
