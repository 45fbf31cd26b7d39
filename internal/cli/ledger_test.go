package cli

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLedgerRecordReadsGitHubReviews runs `estate ledger record --pr 5`
// as CI would, against a local GitHub that checks every request.
func TestLedgerRecordReadsGitHubReviews(t *testing.T) {
	needGit(t)
	dir := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=Jane", "GIT_AUTHOR_EMAIL=jane@example.org", "GIT_COMMITTER_NAME=GitHub",
			"GIT_COMMITTER_EMAIL=noreply@github.com", "GIT_AUTHOR_DATE=2026-11-20T12:00:00Z", "GIT_COMMITTER_DATE=2026-11-20T12:00:00Z")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	write := func(p, s string) {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, p), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git("init", "-q", "-b", "main")
	write("inventory/laptop/LT-00001.yaml", "apiVersion: estate/v1\nkind: Asset\nid: LT-00001\nclass: laptop\nstatus: in-stock\n")
	git("add", ".")
	git("commit", "-q", "-m", "Import")
	write("inventory/laptop/LT-00001.yaml", "apiVersion: estate/v1\nkind: Asset\nid: LT-00001\nclass: laptop\nstatus: deployed\nowner: kim@example.org\n")
	git("commit", "-q", "-am", "Deploy LT-00001 (#5)")

	var requests []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests = append(requests, r.Method+" "+r.URL.Path)
		if r.Method != http.MethodGet || r.Header.Get("Authorization") != "Bearer tok" {
			t.Errorf("bad request %s %s (auth %q)", r.Method, r.URL, r.Header.Get("Authorization"))
		}
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/repos/acme/estate/pulls/5":
			fmt.Fprint(w, `{"number":5,"title":"Deploy LT-00001","merged":true,"user":{"login":"jane"},"head":{"sha":"3333333333333333333333333333333333333333"}}`)
		case "/repos/acme/estate/pulls/5/reviews":
			fmt.Fprint(w, `[{"id":1,"user":{"login":"omar"},"state":"APPROVED","commit_id":"3333333333333333333333333333333333333333","submitted_at":"2026-11-20T11:00:00Z"},
				{"id":2,"user":{"login":"jane"},"state":"APPROVED","submitted_at":"2026-11-20T11:05:00Z"}]`)
		default:
			t.Errorf("unexpected %s", r.URL)
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	env := map[string]string{"GITHUB_TOKEN": "tok", "GITHUB_API_URL": srv.URL, "GITHUB_REPOSITORY": "acme/estate"}
	var stdout, stderr bytes.Buffer
	app := &App{Args: []string{"-C", dir, "ledger", "record", "--format", "json"}, Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr,
		Getenv: func(k string) string { return env[k] }, Now: func() time.Time { return time.Date(2026, 11, 20, 13, 0, 0, 0, time.UTC) }}
	if code := Main(app); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{`"pr": 5`, `"author": "jane"`, `"by": "omar"`, `"at": "2026-11-20T11:00:00Z"`, `"head": "3333333333333333333333333333333333333333"`} {
		if !strings.Contains(out, want) {
			t.Errorf("entry lacks %s:\n%s", want, out)
		}
	}
	if strings.Join(requests, ", ") != "GET /repos/acme/estate/pulls/5, GET /repos/acme/estate/pulls/5/reviews" {
		t.Errorf("requests: %v", requests)
	}
	// jane approved her own pull request: verify does not count it, and
	// omar's approval is enough for a policy-less estate.
	stdout.Reset()
	app.Args = []string{"-C", dir, "ledger", "verify"}
	if code := Main(app); code != 0 {
		t.Fatalf("verify: exit %d: %s%s", code, stdout.String(), stderr.String())
	}
}
