package ghreviews

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// fakeGitHub serves the two endpoints the ledger reads and checks every
// request against the REST API's documented shape.
func fakeGitHub(t *testing.T) (*httptest.Server, *[]string) {
	t.Helper()
	var mu sync.Mutex
	var seen []string
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.RequestURI())
		mu.Unlock()
		if r.Method != http.MethodGet {
			t.Errorf("%s %s: the ledger only reads", r.Method, r.URL)
		}
		if got := r.Header.Get("Authorization"); got != "Bearer s3cret" {
			t.Errorf("%s: Authorization %q", r.URL, got)
		}
		if got := r.Header.Get("Accept"); !strings.Contains(got, "application/vnd.github") {
			t.Errorf("%s: Accept %q", r.URL, got)
		}
		if r.Header.Get("X-GitHub-Api-Version") == "" {
			t.Errorf("%s: no X-GitHub-Api-Version", r.URL)
		}
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/repos/acme/estate/pulls/7":
			fmt.Fprint(w, `{"number":7,"title":"Raise the macOS minimum","state":"closed","merged":true,
				"merge_commit_sha":"1111111111111111111111111111111111111111","user":{"login":"jane"},
				"head":{"sha":"2222222222222222222222222222222222222222","ref":"macos"}}`)
		case r.URL.Path == "/repos/acme/estate/pulls/7/reviews":
			if r.URL.Query().Get("per_page") != "100" {
				t.Errorf("reviews without per_page=100: %s", r.URL)
			}
			if r.URL.Query().Get("page") == "2" {
				fmt.Fprint(w, `[{"id":5,"user":{"login":"dave"},"state":"APPROVED","submitted_at":"2026-11-20T12:00:00Z","commit_id":"2222222222222222222222222222222222222222"}]`)
				return
			}
			w.Header().Set("Link", fmt.Sprintf(`<%s/repos/acme/estate/pulls/7/reviews?per_page=100&page=2>; rel="next", <%s/repos/acme/estate/pulls/7/reviews?per_page=100&page=2>; rel="last"`, srv.URL, srv.URL))
			fmt.Fprint(w, `[
				{"id":1,"user":{"login":"alice"},"state":"APPROVED","submitted_at":"2026-11-20T09:00:00Z"},
				{"id":2,"user":{"login":"bob"},"state":"COMMENTED","submitted_at":"2026-11-20T09:30:00Z"},
				{"id":3,"user":{"login":"alice"},"state":"CHANGES_REQUESTED","submitted_at":"2026-11-20T10:00:00Z"},
				{"id":4,"user":{"login":"bob"},"state":"APPROVED","submitted_at":"2026-11-20T10:30:00Z"},
				{"id":6,"user":{"login":"carol"},"state":"APPROVED","submitted_at":"2026-11-20T08:00:00Z"},
				{"id":7,"user":{"login":"carol"},"state":"DISMISSED","submitted_at":"2026-11-20T11:00:00Z"}
			]`)
		default:
			t.Errorf("unexpected request %s", r.URL)
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

func TestPullRequestApprovals(t *testing.T) {
	srv, seen := fakeGitHub(t)
	c, err := New(srv.Client(), srv.URL, "s3cret", "acme", "estate")
	if err != nil {
		t.Fatal(err)
	}
	pr, err := c.PullRequest(context.Background(), 7)
	if err != nil {
		t.Fatal(err)
	}
	if pr.Author != "jane" || pr.Head != "2222222222222222222222222222222222222222" || !pr.Merged || pr.Merge != "1111111111111111111111111111111111111111" {
		t.Errorf("pull request: %+v", pr)
	}
	var got []string
	for _, a := range pr.Approvals {
		got = append(got, a.By+"@"+a.At)
	}
	if want := "bob@2026-11-20T10:30:00Z dave@2026-11-20T12:00:00Z"; strings.Join(got, " ") != want {
		t.Errorf("approvals %v, want %s (alice asked for changes after approving, carol's approval was dismissed)", got, want)
	}
	if len(*seen) != 3 {
		t.Errorf("requests: %v", *seen)
	}
}

func TestPullRequestErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}`)
	}))
	defer srv.Close()
	c, _ := New(srv.Client(), srv.URL, "s3cret", "acme", "estate")
	_, err := c.PullRequest(context.Background(), 9)
	if err == nil || !strings.Contains(err.Error(), "read pull request #9 of acme/estate") || !strings.Contains(err.Error(), "404") {
		t.Fatalf("error: %v", err)
	}
}
