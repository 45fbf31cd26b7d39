package gate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/change"
	"github.com/estate-dev/estate/internal/change/report"
	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/github"
	"github.com/estate-dev/estate/internal/record"
)

const (
	head  = "1111111111111111111111111111111111111111"
	base  = "2222222222222222222222222222222222222222"
	token = "ghs_gate"
)

// fakeGitHub answers the endpoints the gate calls, as documented at
// docs.github.com/rest, and checks every request: method, escaped path,
// query, headers and body. Lists are served 2 to a page with Link
// headers, so every list the gate reads spans pages.
type fakeGitHub struct {
	t        *testing.T
	mu       sync.Mutex
	pr       map[string]any
	reviews  []map[string]any
	comments []map[string]any
	labels   []string
	members  map[string]bool
	runs     []map[string]any
	calls    []string
}

var (
	rePage    = regexp.MustCompile(`^/repos/octo/estate/(pulls/7/reviews|issues/7/comments|issues/7/labels)$`)
	reComment = regexp.MustCompile(`^/repos/octo/estate/issues/comments/(\d+)$`)
	reLabel   = regexp.MustCompile(`^/repos/octo/estate/issues/7/labels/([^/]+)$`)
	reMember  = regexp.MustCompile(`^/orgs/octo/teams/cab/memberships/([^/]+)$`)
)

func (f *fakeGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.t
	p := r.URL.EscapedPath()
	f.calls = append(f.calls, r.Method+" "+p)
	if r.Header.Get("Authorization") != "Bearer "+token || r.Header.Get("X-GitHub-Api-Version") != "2022-11-28" ||
		!strings.Contains(r.Header.Get("Accept"), "application/vnd.github") {
		t.Errorf("%s %s: headers %v", r.Method, p, r.Header)
	}
	body, _ := io.ReadAll(r.Body)
	var in map[string]any
	if r.Method == http.MethodPost || r.Method == http.MethodPatch {
		if r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s %s: Content-Type %q", r.Method, p, r.Header.Get("Content-Type"))
		}
		if err := json.Unmarshal(body, &in); err != nil {
			t.Errorf("%s %s: body %s is not a JSON object", r.Method, p, body)
		}
	} else if len(body) > 0 {
		t.Errorf("%s %s: unexpected body %s", r.Method, p, body)
	}
	if r.URL.RawQuery != "" && !(r.Method == http.MethodGet && rePage.MatchString(p)) {
		t.Errorf("%s %s: unexpected query %q", r.Method, p, r.URL.RawQuery)
	}
	reply := func(code int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(v)
	}
	switch {
	case r.Method == "GET" && p == "/user":
		reply(403, map[string]any{"message": "Resource not accessible by integration"})
	case r.Method == "GET" && p == "/repos/octo/estate/pulls/7" && f.pr != nil:
		reply(200, f.pr)
	case r.Method == "GET" && p == "/repos/octo/estate/pulls/7/reviews":
		f.page(w, r, f.reviews)
	case r.Method == "GET" && p == "/repos/octo/estate/issues/7/comments":
		f.page(w, r, f.comments)
	case r.Method == "POST" && p == "/repos/octo/estate/issues/7/comments":
		if _, ok := in["body"].(string); !ok || len(in) != 1 {
			t.Errorf("create comment: body %s", body)
		}
		c := map[string]any{"id": 100 + len(f.comments), "body": in["body"], "user": map[string]any{"login": "github-actions[bot]", "type": "Bot"}}
		f.comments = append(f.comments, c)
		reply(201, c)
	case r.Method == "PATCH" && reComment.MatchString(p):
		for _, c := range f.comments {
			if fmt.Sprint(c["id"]) == reComment.FindStringSubmatch(p)[1] {
				if c["user"].(map[string]any)["login"] != "github-actions[bot]" {
					t.Errorf("edit of %v's comment", c["user"])
				}
				c["body"] = in["body"]
				reply(200, c)
				return
			}
		}
		t.Errorf("edit of an unknown comment %s", p)
		reply(404, map[string]any{"message": "Not Found"})
	case r.Method == "GET" && p == "/repos/octo/estate/issues/7/labels":
		var all []map[string]any
		for _, l := range f.labels {
			all = append(all, map[string]any{"name": l})
		}
		f.page(w, r, all)
	case r.Method == "POST" && p == "/repos/octo/estate/issues/7/labels":
		ls, ok := in["labels"].([]any)
		if !ok || len(in) != 1 || len(ls) == 0 {
			t.Errorf("add labels: body %s; want {\"labels\": [...]}", body)
		}
		for _, l := range ls {
			f.labels = append(f.labels, l.(string))
		}
		reply(200, []any{})
	case r.Method == "DELETE" && reLabel.MatchString(p):
		name, _ := url.PathUnescape(reLabel.FindStringSubmatch(p)[1])
		i := slices.Index(f.labels, name)
		if i < 0 {
			reply(404, map[string]any{"message": "Label does not exist"})
			return
		}
		f.labels = slices.Delete(f.labels, i, i+1)
		reply(200, []any{})
	case r.Method == "POST" && p == "/repos/octo/estate/check-runs":
		for _, k := range []string{"name", "head_sha", "status", "conclusion", "completed_at", "output"} {
			if _, ok := in[k]; !ok {
				t.Errorf("check run without %s: %s", k, body)
			}
		}
		f.runs = append(f.runs, in)
		reply(201, map[string]any{"id": len(f.runs)})
	case r.Method == "GET" && reMember.MatchString(p):
		if f.members[reMember.FindStringSubmatch(p)[1]] {
			reply(200, map[string]any{"state": "active"})
			return
		}
		reply(404, map[string]any{"message": "Not Found"})
	default:
		t.Errorf("unexpected %s %s", r.Method, p)
		reply(404, map[string]any{"message": "Not Found"})
	}
}

// page serves 2 items a page, whatever per_page asks, with a Link header
// to the next (GitHub may cap per_page lower than asked).
func (f *fakeGitHub) page(w http.ResponseWriter, r *http.Request, all []map[string]any) {
	q := r.URL.Query()
	if q.Get("per_page") != "100" {
		f.t.Errorf("%s: per_page %q", r.URL.Path, q.Get("per_page"))
	}
	pg, _ := strconv.Atoi(q.Get("page"))
	pg = max(pg, 1)
	lo, hi := min((pg-1)*2, len(all)), min(pg*2, len(all))
	if hi < len(all) {
		q.Set("page", strconv.Itoa(pg+1))
		w.Header().Set("Link", fmt.Sprintf(`<http://%s%s?%s>; rel="next"`, r.Host, r.URL.Path, q.Encode()))
	}
	out := all[lo:hi]
	if out == nil {
		out = []map[string]any{}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

func newFake(t *testing.T) (*fakeGitHub, github.Config) {
	f := &fakeGitHub{t: t, members: map[string]bool{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, github.Config{Token: token, BaseURL: srv.URL, Repository: "octo/estate", HTTP: srv.Client(),
		Now: func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) },
		Sleep: func(ctx context.Context, d time.Duration) error {
			t.Errorf("a wait of %v: no request should fail", d)
			return nil
		}}
}

// hostilePlan is a plan whose every string came from a hostile pull
// request: markup, mentions, links, table breaks and code-span breaks.
func hostilePlan() *change.Plan {
	return &change.Plan{
		Records: []change.RecordChange{{Action: change.ActionChanged, Kind: record.KindAsset, ID: "LT-0001`<b>", Path: "inventory/laptop/LT-0001.yaml",
			Fields: []change.FieldChange{{Field: "owner", Old: "jane@example.org", New: "@everyone | </td><script>x</script>"}}}},
		Type: "normal", ComputedRisk: "low", DeclaredRisk: "low",
		Request:     &record.ChangeRequest{ID: "CR-2026-0001", Title: "Fix [it](https://evil.example) ![x](https://evil.example/p.png) @org/admins"},
		RequestPath: "changes/CR-2026-0001.yaml",
		RiskReasons: []string{"<!-- estate:change-plan --> planted marker"},
		Approvals:   []change.Requirement{{Rule: "peer review", Count: 1}},
		Findings: []record.Finding{{Pos: record.Pos{File: "inventory/laptop/LT-0001.yaml", Line: 7, Col: 3}, Rule: "schema", Severity: record.SevMedium,
			Message: "owner: \"@everyone\" is not an email\n\n# heading", Hint: "write <an email>"}},
		PolicyFrom: "base",
	}
}

func writeEvent(t *testing.T, title, branch string) string {
	t.Helper()
	ev := map[string]any{"action": "synchronize", "number": 7, "pull_request": map[string]any{
		"number": 7, "title": title, "user": map[string]any{"login": "mallory"},
		"head": map[string]any{"sha": head, "ref": branch}, "base": map[string]any{"sha": base, "ref": "main"}}}
	data, _ := json.Marshal(ev)
	p := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func planOf(p *change.Plan) func(context.Context, *github.Event) (*Plan, error) {
	return func(_ context.Context, ev *github.Event) (*Plan, error) {
		sha := head
		if ev != nil {
			sha = ev.HeadSHA
		}
		return &Plan{Plan: p, Context: report.Context{Base: "merge-base (2222222)", Head: "HEAD (1111111)"}, HeadSHA: sha}, nil
	}
}

// TestRunPublishes gates a hostile pull request: a planted comment holding
// the marker (by another user) is left alone and a new comment is made;
// the check run goes on the head; stale labels are replaced (on the
// second page); the summary is written; the comment matches the golden
// file, every hostile string escaped.
func TestRunPublishes(t *testing.T) {
	f, cfg := newFake(t)
	f.comments = []map[string]any{
		{"id": 1, "body": "LGTM", "user": map[string]any{"login": "bob", "type": "User"}},
		{"id": 2, "body": "nice", "user": map[string]any{"login": "carol", "type": "User"}},
		{"id": 3, "body": report.Marker + "\n### ✅ Change gate passed", "user": map[string]any{"login": "mallory", "type": "User"}},
	}
	f.labels = []string{"bug", "area:laptops", "risk:high", "change:standard"}
	f.reviews = []map[string]any{
		{"user": map[string]any{"login": "bob"}, "state": "APPROVED", "commit_id": base, "submitted_at": "2026-11-23T09:00:00Z"},
		{"user": map[string]any{"login": "mallory"}, "state": "APPROVED", "commit_id": head, "submitted_at": "2026-11-23T09:30:00Z"},
		{"user": map[string]any{"login": "carol"}, "state": "APPROVED", "commit_id": head, "submitted_at": "2026-11-23T10:00:00Z"},
	}
	summary := filepath.Join(t.TempDir(), "summary.md")
	res, err := Run(context.Background(), Options{
		EventPath: writeEvent(t, "Reassign @everyone <img src=x onerror=alert(1)> [click](https://evil.example) | ok", "feat`<b>x</b>"),
		MakePlan:  planOf(hostilePlan()), GitHub: cfg, Actions: true, CheckName: "estate change", Labels: true, SummaryPath: summary,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Gate == nil || !res.Gate.Pass || res.Failed() || strings.Join(res.Gate.Approvers, ",") != "carol" {
		t.Fatalf("gate %+v", res.Gate)
	}
	if len(f.comments) != 4 || f.comments[2]["body"] != report.Marker+"\n### ✅ Change gate passed" || res.CommentID != 103 {
		t.Fatalf("comments: %v (id %d); want mallory's left alone and a new one", f.comments, res.CommentID)
	}
	got := f.comments[3]["body"].(string)
	golden(t, "comment.golden", got)
	if len(f.runs) != 1 || f.runs[0]["head_sha"] != head || f.runs[0]["conclusion"] != "success" ||
		f.runs[0]["output"].(map[string]any)["summary"] != got {
		t.Errorf("check runs %v", f.runs)
	}
	anns := f.runs[0]["output"].(map[string]any)["annotations"].([]any)
	if len(anns) != 1 || anns[0].(map[string]any)["start_line"] != float64(7) {
		t.Errorf("annotations %v", anns)
	}
	if s := strings.Join(f.labels, ","); s != "bug,area:laptops,risk:low,change:normal" {
		t.Errorf("labels %s", s)
	}
	if data, err := os.ReadFile(summary); err != nil || string(data) != got {
		t.Errorf("summary: %v\n%s", err, data)
	}
	// A second run edits the gate's own comment, and only it.
	f.reviews = append(f.reviews, map[string]any{"user": map[string]any{"login": "carol"}, "state": "CHANGES_REQUESTED", "commit_id": head, "submitted_at": "2026-11-23T11:00:00Z"})
	res, err = Run(context.Background(), Options{EventPath: writeEvent(t, "t", "b"), MakePlan: planOf(hostilePlan()), GitHub: cfg, Labels: true})
	if err != nil || !res.Failed() || len(f.comments) != 4 || !strings.Contains(f.comments[3]["body"].(string), "carol requested changes") {
		t.Errorf("second run: %v, %d comments", err, len(f.comments))
	}
	if f.comments[2]["body"] != report.Marker+"\n### ✅ Change gate passed" || f.runs[1]["conclusion"] != "failure" {
		t.Errorf("second run touched the planted comment or passed: %v", f.runs[1]["conclusion"])
	}
}

// golden compares got with testdata/name; ESTATE_UPDATE_GOLDEN=1 rewrites it.
func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if os.Getenv("ESTATE_UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (ESTATE_UPDATE_GOLDEN=1 writes it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (ESTATE_UPDATE_GOLDEN=1 rewrites it); got:\n%s", p, got)
	}
}

// TestNoTokenUnderActions: a pull-request event in GitHub Actions without
// a token is an error that says why and how to fix it; no plan is made.
func TestNoTokenUnderActions(t *testing.T) {
	planned := false
	_, err := Run(context.Background(), Options{EventPath: writeEvent(t, "t", "b"), Actions: true, GitHub: github.Config{Repository: "octo/estate"},
		MakePlan: func(context.Context, *github.Event) (*Plan, error) { planned = true; return nil, errors.New("no") }})
	if err == nil || errors.Is(err, core.ErrUsage) || !strings.Contains(err.Error(), "GITHUB_TOKEN is not set") ||
		!strings.Contains(hintOf(err), "permissions:") || !strings.Contains(hintOf(err), "GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}") || planned {
		t.Fatalf("err %v (hint %q), planned %v", err, hintOf(err), planned)
	}
}

// TestNoTokenOutsideActions: the plan and the summary, no network, not a
// pass.
func TestNoTokenOutsideActions(t *testing.T) {
	f, cfg := newFake(t)
	cfg.Token = ""
	summary := filepath.Join(t.TempDir(), "summary.md")
	res, err := Run(context.Background(), Options{EventPath: writeEvent(t, "t", "b"), MakePlan: planOf(hostilePlan()), GitHub: cfg, SummaryPath: summary})
	if err != nil || res.Gate != nil || res.NotJudged != "no GITHUB_TOKEN" || res.Failed() || len(f.calls) != 0 {
		t.Fatalf("res %+v, err %v, calls %v", res, err, f.calls)
	}
	if data, _ := os.ReadFile(summary); !strings.HasPrefix(string(data), report.Marker+"\n### Change plan") {
		t.Errorf("summary %s", data)
	}
}

func TestPublishErrorIsNotAPass(t *testing.T) {
	_, cfg := newFake(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"message":"Not Found"}`)
	}))
	defer srv.Close()
	cfg.BaseURL = srv.URL
	res, err := Run(context.Background(), Options{EventPath: writeEvent(t, "t", "b"), MakePlan: planOf(hostilePlan()), GitHub: cfg})
	if err == nil || errors.Is(err, core.ErrUsage) || !strings.Contains(hintOf(err), "the gate has not run") || res == nil || res.Plan == nil {
		t.Fatalf("err %v, res %+v", err, res)
	}
}

// TestReadPullRequest: the ledger's approvals are the gate's: each
// reviewer's latest deciding review, of the head commit, not the
// author's; reviews are read across pages.
func TestReadPullRequest(t *testing.T) {
	f, cfg := newFake(t)
	f.pr = map[string]any{"number": 7, "title": "Raise the macOS minimum", "merged": true, "merge_commit_sha": "m", "user": map[string]any{"login": "jane"},
		"head": map[string]any{"sha": head, "ref": "x"}, "base": map[string]any{"sha": base, "ref": "main"}}
	r := func(user, state, commit, at string) map[string]any {
		return map[string]any{"user": map[string]any{"login": user}, "state": state, "commit_id": commit, "submitted_at": at}
	}
	f.reviews = []map[string]any{
		r("alice", "APPROVED", head, "2026-11-20T09:00:00Z"),
		r("bob", "COMMENTED", head, "2026-11-20T09:30:00Z"),
		r("alice", "CHANGES_REQUESTED", head, "2026-11-20T10:00:00Z"),
		r("bob", "APPROVED", head, "2026-11-20T10:30:00Z"),
		r("carol", "APPROVED", head, "2026-11-20T08:00:00Z"),
		r("carol", "DISMISSED", head, "2026-11-20T11:00:00Z"),
		r("erin", "APPROVED", base, "2026-11-20T11:30:00Z"), // an earlier commit
		r("jane", "APPROVED", head, "2026-11-20T11:40:00Z"), // the author
		r("dave", "APPROVED", head, "2026-11-20T12:00:00Z"),
		r("bob", "COMMENTED", head, "2026-11-20T12:30:00Z"),
	}
	pr, err := ReadPullRequest(context.Background(), github.Must(cfg), 7)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range pr.Approvals {
		got = append(got, a.User+"@"+a.At.Format(time.RFC3339))
	}
	if want := "bob@2026-11-20T10:30:00Z dave@2026-11-20T12:00:00Z"; strings.Join(got, " ") != want {
		t.Errorf("approvals %v; want %s", got, want)
	}
	if !pr.Merged || pr.Author != "jane" || pr.HeadSHA != head || len(pr.Ignored) != 3 {
		t.Errorf("pull request %+v", pr)
	}
}

// TestFixturePayloads runs the gate on the pull_request payloads GitHub
// sends (the shared fixtures), without a token: each one's pull request
// reaches the plan and the report.
func TestFixturePayloads(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "fixtures", "github", "pull_request")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("fixtures missing in CI: %v", err)
		}
		t.Skip("shared fixtures not present")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) == 0 {
		t.Fatal("no payloads")
	}
	for _, file := range files {
		var seen *github.Event
		mk := func(ctx context.Context, ev *github.Event) (*Plan, error) {
			seen = ev
			return planOf(hostilePlan())(ctx, ev)
		}
		res, err := Run(context.Background(), Options{EventPath: file, MakePlan: mk})
		if err != nil || seen == nil || res.Plan.Context.Number != seen.Number || res.Plan.Context.Author != seen.Author ||
			!strings.Contains(res.Markdown, fmt.Sprintf("Pull request \\#%d", seen.Number)) || res.Plan.HeadSHA != seen.HeadSHA {
			t.Errorf("%s: %v, %+v", filepath.Base(file), err, seen)
		}
	}
}

// hintOf is the hint an error carries for the person who ran estate.
func hintOf(err error) string {
	var h interface{ Hint() string }
	if errors.As(err, &h) {
		return h.Hint()
	}
	return ""
}
