package github

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	gh "github.com/google/go-github/v60/github"
)

// fakeGitHub is the part of the GitHub REST API the gate uses, as
// documented at docs.github.com/rest: every request is checked for its
// method, path, headers and body shape, and a wrong one fails the test.
type fakeGitHub struct {
	t        *testing.T
	mu       sync.Mutex
	reviews  []map[string]any
	comments []map[string]any
	labels   []string
	members  map[string]string // "org/team/user" → state
	runs     []map[string]any  // check runs created (bodies)
	updates  []map[string]any  // check-run updates (bodies)
	calls    []string          // "METHOD path"
	nextID   int64
	// fail makes the next n requests answer with status (and headers).
	fail       int
	failStatus int
	failHeader http.Header
}

const token = "ghs_test"

func newFake(t *testing.T) (*fakeGitHub, *Client) {
	f := &fakeGitHub{t: t, members: map[string]string{}, nextID: 1000}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := New(Config{Token: token, BaseURL: srv.URL + "/", Repository: "octo/estate", HTTP: srv.Client(),
		Retries: 3, Backoff: time.Millisecond, MaxWait: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return f, c
}

var (
	reReviews  = regexp.MustCompile(`^/repos/octo/estate/pulls/(\d+)/reviews$`)
	reComments = regexp.MustCompile(`^/repos/octo/estate/issues/(\d+)/comments$`)
	reComment  = regexp.MustCompile(`^/repos/octo/estate/issues/comments/(\d+)$`)
	reLabels   = regexp.MustCompile(`^/repos/octo/estate/issues/(\d+)/labels$`)
	reLabel    = regexp.MustCompile(`^/repos/octo/estate/issues/(\d+)/labels/([^/]+)$`)
	reMember   = regexp.MustCompile(`^/orgs/([^/]+)/teams/([^/]+)/memberships/([^/]+)$`)
	reRuns     = regexp.MustCompile(`^/repos/octo/estate/check-runs$`)
	reRun      = regexp.MustCompile(`^/repos/octo/estate/check-runs/(\d+)$`)
)

func (f *fakeGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.t
	f.calls = append(f.calls, r.Method+" "+r.URL.Path)
	// Headers every request carries.
	if got := r.Header.Get("Authorization"); got != "Bearer "+token {
		t.Errorf("%s %s: Authorization %q", r.Method, r.URL.Path, got)
	}
	if got := r.Header.Get("X-GitHub-Api-Version"); got != "2022-11-28" {
		t.Errorf("%s %s: X-GitHub-Api-Version %q", r.Method, r.URL.Path, got)
	}
	if !strings.Contains(r.Header.Get("Accept"), "application/vnd.github") {
		t.Errorf("%s %s: Accept %q", r.Method, r.URL.Path, r.Header.Get("Accept"))
	}
	if r.Header.Get("User-Agent") == "" {
		t.Errorf("%s %s: no User-Agent", r.Method, r.URL.Path)
	}
	body, _ := io.ReadAll(r.Body)
	if r.Method == http.MethodPost || r.Method == http.MethodPatch {
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s %s: Content-Type %q", r.Method, r.URL.Path, ct)
		}
	}
	if f.fail > 0 {
		f.fail--
		for k, v := range f.failHeader {
			w.Header()[k] = v
		}
		w.WriteHeader(f.failStatus)
		fmt.Fprint(w, `{"message":"try later","documentation_url":"https://docs.github.com/rest"}`)
		return
	}
	p := r.URL.Path
	switch {
	case reReviews.MatchString(p) && r.Method == http.MethodGet:
		f.page(w, r, f.reviews)
	case reComments.MatchString(p) && r.Method == http.MethodGet:
		f.page(w, r, f.comments)
	case reComments.MatchString(p) && r.Method == http.MethodPost:
		in := f.decode(r, body, []string{"body"}, nil)
		f.nextID++
		c := map[string]any{"id": f.nextID, "body": in["body"], "user": map[string]any{"login": "github-actions[bot]"}}
		f.comments = append(f.comments, c)
		writeJSON(w, http.StatusCreated, c)
	case reComment.MatchString(p) && r.Method == http.MethodPatch:
		in := f.decode(r, body, []string{"body"}, nil)
		id, _ := strconv.ParseInt(reComment.FindStringSubmatch(p)[1], 10, 64)
		for _, c := range f.comments {
			if c["id"].(int64) == id {
				c["body"] = in["body"]
				writeJSON(w, http.StatusOK, c)
				return
			}
		}
		http.NotFound(w, r)
	case reLabels.MatchString(p) && r.Method == http.MethodGet:
		var out []map[string]any
		for _, l := range f.labels {
			out = append(out, map[string]any{"name": l})
		}
		writeJSON(w, http.StatusOK, out)
	case reLabels.MatchString(p) && r.Method == http.MethodPost:
		// POST /repos/{owner}/{repo}/issues/{n}/labels takes {"labels": [...]}
		// or a bare array; go-github sends the array.
		var names []string
		if err := json.Unmarshal(body, &names); err != nil {
			var obj struct {
				Labels []string `json:"labels"`
			}
			if err := json.Unmarshal(body, &obj); err != nil || len(obj.Labels) == 0 {
				t.Errorf("POST labels: body %s is neither an array nor {labels}", body)
			}
			names = obj.Labels
		}
		f.labels = append(f.labels, names...)
		writeJSON(w, http.StatusOK, []any{})
	case reLabel.MatchString(p) && r.Method == http.MethodDelete:
		name := reLabel.FindStringSubmatch(p)[2]
		var keep []string
		for _, l := range f.labels {
			if l != name {
				keep = append(keep, l)
			}
		}
		f.labels = keep
		writeJSON(w, http.StatusOK, []any{})
	case reMember.MatchString(p) && r.Method == http.MethodGet:
		m := reMember.FindStringSubmatch(p)
		state, ok := f.members[m[1]+"/"+m[2]+"/"+m[3]]
		if !ok {
			writeJSON(w, http.StatusNotFound, map[string]any{"message": "Not Found"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"state": state, "role": "member", "url": "https://api.github.com/x"})
	case reRuns.MatchString(p) && r.Method == http.MethodPost:
		in := f.decode(r, body, []string{"name", "head_sha"}, f.checkOutput)
		if in["status"] == "completed" && in["conclusion"] == nil {
			t.Errorf("check run completed without a conclusion")
		}
		f.runs = append(f.runs, in)
		f.nextID++
		writeJSON(w, http.StatusCreated, map[string]any{"id": f.nextID, "name": in["name"], "head_sha": in["head_sha"]})
	case reRun.MatchString(p) && r.Method == http.MethodPatch:
		in := f.decode(r, body, nil, f.checkOutput)
		f.updates = append(f.updates, in)
		writeJSON(w, http.StatusOK, map[string]any{"id": 1})
	default:
		t.Errorf("unexpected request %s %s", r.Method, p)
		http.NotFound(w, r)
	}
}

// checkOutput checks a check run's output as documented: title and
// summary required, at most 50 annotations, each with path, start_line,
// end_line, annotation_level (notice|warning|failure) and message.
func (f *fakeGitHub) checkOutput(in map[string]any) {
	out, ok := in["output"].(map[string]any)
	if !ok {
		f.t.Errorf("check run without output")
		return
	}
	for _, k := range []string{"title", "summary"} {
		if s, _ := out[k].(string); s == "" {
			f.t.Errorf("check run output without %s", k)
		}
	}
	anns, _ := out["annotations"].([]any)
	if len(anns) > 50 {
		f.t.Errorf("%d annotations in one request (GitHub takes 50)", len(anns))
	}
	for _, a := range anns {
		m := a.(map[string]any)
		for _, k := range []string{"path", "start_line", "end_line", "annotation_level", "message"} {
			if _, ok := m[k]; !ok {
				f.t.Errorf("annotation without %s: %v", k, m)
			}
		}
		switch m["annotation_level"] {
		case "notice", "warning", "failure":
		default:
			f.t.Errorf("annotation_level %v", m["annotation_level"])
		}
	}
}

func (f *fakeGitHub) decode(r *http.Request, body []byte, required []string, check func(map[string]any)) map[string]any {
	var in map[string]any
	if err := json.Unmarshal(body, &in); err != nil {
		f.t.Errorf("%s %s: body is not a JSON object: %v", r.Method, r.URL.Path, err)
		return map[string]any{}
	}
	for _, k := range required {
		if _, ok := in[k]; !ok {
			f.t.Errorf("%s %s: body lacks %q: %s", r.Method, r.URL.Path, k, body)
		}
	}
	if check != nil {
		check(in)
	}
	return in
}

// page answers a list endpoint with per_page/page and a Link header, as
// GitHub paginates.
func (f *fakeGitHub) page(w http.ResponseWriter, r *http.Request, all []map[string]any) {
	per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	if per <= 0 || per > 100 {
		f.t.Errorf("%s: per_page %q", r.URL.Path, r.URL.Query().Get("per_page"))
		per = 30
	}
	pg, _ := strconv.Atoi(r.URL.Query().Get("page"))
	if pg < 1 {
		pg = 1
	}
	lo, hi := (pg-1)*per, pg*per
	if lo > len(all) {
		lo = len(all)
	}
	if hi > len(all) {
		hi = len(all)
	}
	if hi < len(all) {
		u := *r.URL
		q := u.Query()
		q.Set("page", strconv.Itoa(pg+1))
		u.RawQuery = q.Encode()
		w.Header().Set("Link", fmt.Sprintf(`<http://%s%s>; rel="next"`, r.Host, u.String()))
	}
	out := all[lo:hi]
	if out == nil {
		out = []map[string]any{}
	}
	writeJSON(w, http.StatusOK, out)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func TestUpsertCommentIsIdempotentAcrossThreePushes(t *testing.T) {
	f, c := newFake(t)
	ctx := context.Background()
	// A busy pull request: 150 human comments first (two pages), one of
	// which quotes text without the marker.
	for i := 0; i < 150; i++ {
		f.comments = append(f.comments, map[string]any{"id": int64(i + 1), "body": fmt.Sprintf("comment %d estate:change-plan", i)})
	}
	const marker = "<!-- estate:change-plan -->"
	var ids []int64
	for push := 1; push <= 3; push++ {
		id, err := c.UpsertComment(ctx, 7, marker, fmt.Sprintf("%s\nplan after push %d", marker, push))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	// The same body again changes nothing.
	if _, err := c.UpsertComment(ctx, 7, marker, marker+"\nplan after push 3"); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, cm := range f.comments {
		if strings.Contains(cm["body"].(string), marker) {
			n++
			if cm["body"] != marker+"\nplan after push 3" {
				t.Errorf("comment body %q", cm["body"])
			}
		}
	}
	if n != 1 || len(f.comments) != 151 {
		t.Fatalf("%d estate comments, %d in all; want 1 and 151", n, len(f.comments))
	}
	if ids[0] != ids[1] || ids[1] != ids[2] {
		t.Errorf("comment ids %v: want one comment edited", ids)
	}
	posts, patches := 0, 0
	for _, call := range f.calls {
		switch {
		case strings.HasPrefix(call, "POST "):
			posts++
		case strings.HasPrefix(call, "PATCH "):
			patches++
		}
	}
	if posts != 1 || patches != 2 {
		t.Errorf("%d POSTs and %d PATCHes; want 1 and 2 (calls %v)", posts, patches, f.calls)
	}
	if _, err := c.UpsertComment(ctx, 7, marker, "no marker"); err == nil {
		t.Error("a body without the marker was accepted")
	}
}

func TestReviewsArePaginated(t *testing.T) {
	f, c := newFake(t)
	for i := 0; i < 130; i++ {
		f.reviews = append(f.reviews, map[string]any{"id": i, "user": map[string]any{"login": fmt.Sprintf("u%d", i)},
			"state": "APPROVED", "commit_id": "abc", "submitted_at": "2026-11-23T10:00:00Z"})
	}
	rs, err := c.Reviews(context.Background(), 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 130 || rs[129].User != "u129" || rs[0].State != "APPROVED" || rs[0].CommitID != "abc" || rs[0].SubmittedAt.IsZero() {
		t.Fatalf("reviews: %d, last %+v", len(rs), rs[len(rs)-1])
	}
}

func TestTeamMembership(t *testing.T) {
	f, c := newFake(t)
	f.members["octo/cab/alice"] = "active"
	f.members["octo/cab/bob"] = "pending"
	ctx := context.Background()
	for user, want := range map[string]bool{"alice": true, "bob": false, "carol": false} {
		got, err := c.IsTeamMember(ctx, "@octo/cab", user)
		if err != nil || got != want {
			t.Errorf("%s: %v, %v; want %v", user, got, err, want)
		}
	}
	if _, err := c.IsTeamMember(ctx, "cab", "alice"); err == nil {
		t.Error("a team without an org was accepted")
	}
}

func TestCheckRunBatchesAnnotations(t *testing.T) {
	f, c := newFake(t)
	var anns []Annotation
	for i := 0; i < 120; i++ {
		anns = append(anns, Annotation{Path: "inventory/laptop/LT-1.yaml", StartLine: i + 1, Level: "failure", Title: "schema", Message: "bad"})
	}
	err := c.CheckRun(context.Background(), CheckRunSpec{Name: "estate change", HeadSHA: "abc", Conclusion: "failure",
		Title: "change gate failed", Summary: "summary", Annotations: anns})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.runs) != 1 || len(f.updates) != 2 {
		t.Fatalf("%d creates, %d updates; want 1 and 2", len(f.runs), len(f.updates))
	}
	if f.runs[0]["conclusion"] != "failure" || f.runs[0]["status"] != "completed" || f.runs[0]["head_sha"] != "abc" {
		t.Errorf("check run %v", f.runs[0])
	}
	last := f.updates[1]["output"].(map[string]any)["annotations"].([]any)
	if len(last) != 20 {
		t.Errorf("last batch %d annotations; want 20", len(last))
	}
}

func TestSetLabelsReplacesStaleOnes(t *testing.T) {
	f, c := newFake(t)
	f.labels = []string{"risk:low", "bug", "change:normal"}
	if err := c.SetLabels(context.Background(), 7, []string{"risk:", "change:"}, []string{"risk:high", "change:normal"}); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(f.labels, ",")
	if got != "bug,change:normal,risk:high" {
		t.Errorf("labels %s", got)
	}
}

func TestRetriesAServerError(t *testing.T) {
	f, c := newFake(t)
	f.fail, f.failStatus = 2, http.StatusBadGateway
	if _, err := c.UpsertComment(context.Background(), 7, "<!-- m -->", "<!-- m --> x"); err != nil {
		t.Fatalf("after two 502s: %v", err)
	}
	if len(f.comments) != 1 {
		t.Fatalf("%d comments", len(f.comments))
	}
}

func TestRetriesAPOSTWithItsBody(t *testing.T) {
	f, c := newFake(t)
	// The list succeeds; the create fails once and is replayed with its body.
	ctx := context.Background()
	f.fail, f.failStatus = 1, http.StatusServiceUnavailable
	cm, _, err := c.gh.Issues.CreateComment(ctx, "octo", "estate", 7, &gh.IssueComment{Body: gh.String("hello")})
	if err != nil {
		t.Fatal(err)
	}
	if cm.GetBody() != "hello" || len(f.comments) != 1 {
		t.Fatalf("comment %v, %d comments", cm.GetBody(), len(f.comments))
	}
}

func TestRateLimitIsReportedNotPassed(t *testing.T) {
	f, c := newFake(t)
	f.fail, f.failStatus = 10, http.StatusForbidden
	f.failHeader = http.Header{
		"X-Ratelimit-Limit":     {"5000"},
		"X-Ratelimit-Remaining": {"0"},
		"X-Ratelimit-Reset":     {strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)},
	}
	_, err := c.Reviews(context.Background(), 7)
	var rl *RateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("err = %v (%T); want a *RateLimitError", err, err)
	}
	if !strings.Contains(err.Error(), "rate limit") || rl.Reset.IsZero() {
		t.Errorf("error %q, reset %v", err, rl.Reset)
	}
	// A reset an hour away is not waited for: one request, no retries.
	if len(f.calls) != 1 {
		t.Errorf("%d calls; want 1 (no waiting an hour)", len(f.calls))
	}
}

func TestSecondaryRateLimitRetriesThenReports(t *testing.T) {
	f, c := newFake(t)
	f.fail, f.failStatus = 10, http.StatusTooManyRequests
	f.failHeader = http.Header{"Retry-After": {"0"}}
	_, err := c.Reviews(context.Background(), 7)
	var rl *RateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("err = %v (%T); want a *RateLimitError", err, err)
	}
	if len(f.calls) != 4 {
		t.Errorf("%d calls; want 4 (1 + 3 retries)", len(f.calls))
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	for _, repo := range []string{"", "octo", "octo/", "/estate", "a/b/c"} {
		if _, err := New(Config{Repository: repo}); err == nil {
			t.Errorf("repository %q accepted", repo)
		}
	}
	if _, err := New(Config{Repository: "o/r", BaseURL: "file:///etc/"}); err == nil {
		t.Error("a file: API URL was accepted")
	}
}

// TestEventFixtures reads the payloads GitHub sends (octokit/webhooks
// examples in the shared fixtures): the shape of $GITHUB_EVENT_PATH.
func TestEventFixtures(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "fixtures", "github")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("fixtures missing in CI: %v", err)
		}
		t.Skip("shared fixtures not present")
	}
	for _, tc := range []struct {
		file, action string
	}{
		{"pull_request/opened.payload.json", "opened"},
		{"pull_request/synchronize.payload.json", "synchronize"},
		{"pull_request_review/submitted.payload.json", "submitted"},
	} {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(tc.file)))
		if err != nil {
			t.Fatal(err)
		}
		ev, err := ParseEvent(data)
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if ev.Action != tc.action || ev.Number != 2 || ev.Author != "Codertocat" || len(ev.HeadSHA) != 40 || len(ev.BaseSHA) != 40 || ev.HeadRef != "changes" || ev.BaseRef != "master" {
			t.Errorf("%s: %+v", tc.file, ev)
		}
	}
	// A payload with no pull request (check_suite) is refused clearly.
	data, err := os.ReadFile(filepath.Join(dir, "check_suite", "completed.payload.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseEvent(data); err == nil || !strings.Contains(err.Error(), "no pull request") {
		t.Errorf("check_suite payload: %v", err)
	}
	if _, err := ParseEvent([]byte("{")); err == nil {
		t.Error("broken JSON accepted")
	}
}

func TestLongCommentIsClipped(t *testing.T) {
	f, c := newFake(t)
	const marker = "<!-- m -->"
	body := marker + "\n" + strings.Repeat("| row é |\n", 20000)
	if _, err := c.UpsertComment(context.Background(), 7, marker, body); err != nil {
		t.Fatal(err)
	}
	got := f.comments[0]["body"].(string)
	if len(got) > 65536 || !strings.HasPrefix(got, marker) || !strings.Contains(got, "(truncated") || !utf8.ValidString(got) {
		t.Errorf("comment of %d bytes, valid UTF-8 %v", len(got), utf8.ValidString(got))
	}
}
