package github

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeGitHub is the part of the GitHub REST API estate uses, as documented
// at docs.github.com/rest: every request is checked for its method, path
// (escaped as sent), query, headers and body shape, and a wrong one fails
// the test. Lists are served in pages with Link headers.
type fakeGitHub struct {
	t        *testing.T
	mu       sync.Mutex
	pr       map[string]any
	reviews  []map[string]any
	comments []map[string]any
	labels   []string
	issues   []map[string]any  // numbered from 1
	members  map[string]string // "org/team/user" → state
	runs     []map[string]any  // check runs created (bodies)
	updates  []map[string]any  // check-run updates (bodies)
	calls    []string          // "METHOD escaped-path"
	nextID   int64
	// user is what GET /user answers; nil answers 403 as GitHub does for
	// an installation token (the Actions GITHUB_TOKEN). writer is who the
	// comments this fake creates are by.
	user   map[string]any
	writer map[string]any
	// fail makes the next n requests answer with status (and headers,
	// and body when set).
	fail       int
	failStatus int
	failHeader http.Header
	failBody   string
}

const token = "ghs_test"

// t0 is the fake clock's time.
var t0 = time.Unix(1_800_000_000, 0)

// testClient is a client of a fake GitHub whose waits are recorded, not
// slept.
type testClient struct {
	*Client
	waits []time.Duration
}

func newFake(t *testing.T) (*fakeGitHub, *testClient) {
	return newFakeWith(t, Config{})
}

func newFakeWith(t *testing.T, cfg Config) (*fakeGitHub, *testClient) {
	f := &fakeGitHub{t: t, members: map[string]string{}, nextID: 1000,
		writer: map[string]any{"login": "github-actions[bot]", "type": "Bot"}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	tc := &testClient{}
	cfg.Token, cfg.BaseURL, cfg.Repository, cfg.HTTP = token, srv.URL+"/", "octo/estate", srv.Client()
	if cfg.Retries == 0 {
		cfg.Retries = 3
	}
	cfg.Now = func() time.Time { return t0 }
	cfg.Sleep = func(ctx context.Context, d time.Duration) error {
		tc.waits = append(tc.waits, d)
		return ctx.Err()
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tc.Client = c
	return f, tc
}

var (
	rePull     = regexp.MustCompile(`^/repos/octo/estate/pulls/(\d+)$`)
	reReviews  = regexp.MustCompile(`^/repos/octo/estate/pulls/(\d+)/reviews$`)
	reComments = regexp.MustCompile(`^/repos/octo/estate/issues/(\d+)/comments$`)
	reComment  = regexp.MustCompile(`^/repos/octo/estate/issues/comments/(\d+)$`)
	reLabels   = regexp.MustCompile(`^/repos/octo/estate/issues/(\d+)/labels$`)
	reLabel    = regexp.MustCompile(`^/repos/octo/estate/issues/(\d+)/labels/([^/]+)$`)
	reMember   = regexp.MustCompile(`^/orgs/([^/]+)/teams/([^/]+)/memberships/([^/]+)$`)
	reRuns     = regexp.MustCompile(`^/repos/octo/estate/check-runs$`)
	reRun      = regexp.MustCompile(`^/repos/octo/estate/check-runs/(\d+)$`)
	reIssues   = regexp.MustCompile(`^/repos/octo/estate/issues$`)
	reIssue    = regexp.MustCompile(`^/repos/octo/estate/issues/(\d+)$`)
)

func (f *fakeGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.t
	p := r.URL.EscapedPath()
	f.calls = append(f.calls, r.Method+" "+p)
	// Headers every request carries.
	if got := r.Header.Get("Authorization"); got != "Bearer "+token {
		t.Errorf("%s %s: Authorization %q", r.Method, p, got)
	}
	if got := r.Header.Get("X-GitHub-Api-Version"); got != "2022-11-28" {
		t.Errorf("%s %s: X-GitHub-Api-Version %q", r.Method, p, got)
	}
	if !strings.Contains(r.Header.Get("Accept"), "application/vnd.github") {
		t.Errorf("%s %s: Accept %q", r.Method, p, r.Header.Get("Accept"))
	}
	if r.Header.Get("User-Agent") == "" {
		t.Errorf("%s %s: no User-Agent", r.Method, p)
	}
	body, _ := io.ReadAll(r.Body)
	if r.Method == http.MethodPost || r.Method == http.MethodPatch {
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s %s: Content-Type %q", r.Method, p, ct)
		}
	} else if len(body) > 0 {
		t.Errorf("%s %s: a body %q", r.Method, p, body)
	}
	list := r.Method == http.MethodGet && (reIssues.MatchString(p) || reReviews.MatchString(p) || reComments.MatchString(p) || reLabels.MatchString(p))
	if !list && r.URL.RawQuery != "" {
		t.Errorf("%s %s: query %q", r.Method, p, r.URL.RawQuery)
	}
	if f.fail > 0 {
		f.fail--
		for k, v := range f.failHeader {
			w.Header()[k] = v
		}
		w.WriteHeader(f.failStatus)
		msg := f.failBody
		if msg == "" {
			msg = `{"message":"try later","documentation_url":"https://docs.github.com/rest"}`
		}
		fmt.Fprint(w, msg)
		return
	}
	switch {
	case p == "/user" && r.Method == http.MethodGet:
		if f.user == nil {
			writeJSON(w, http.StatusForbidden, map[string]any{"message": "Resource not accessible by integration",
				"documentation_url": "https://docs.github.com/rest/users/users#get-the-authenticated-user"})
			return
		}
		writeJSON(w, http.StatusOK, f.user)
	case rePull.MatchString(p) && r.Method == http.MethodGet:
		if f.pr == nil || fmt.Sprint(f.pr["number"]) != rePull.FindStringSubmatch(p)[1] {
			writeJSON(w, http.StatusNotFound, map[string]any{"message": "Not Found"})
			return
		}
		writeJSON(w, http.StatusOK, f.pr)
	case reReviews.MatchString(p) && r.Method == http.MethodGet:
		f.page(w, r, f.reviews)
	case reComments.MatchString(p) && r.Method == http.MethodGet:
		f.page(w, r, f.comments)
	case reComments.MatchString(p) && r.Method == http.MethodPost:
		in := f.decode(r, body, []string{"body"}, nil)
		f.nextID++
		c := map[string]any{"id": f.nextID, "body": in["body"], "user": f.writer}
		f.comments = append(f.comments, c)
		writeJSON(w, http.StatusCreated, c)
	case reComment.MatchString(p) && r.Method == http.MethodPatch:
		in := f.decode(r, body, []string{"body"}, nil)
		id, _ := strconv.ParseInt(reComment.FindStringSubmatch(p)[1], 10, 64)
		for _, c := range f.comments {
			if c["id"].(int64) == id {
				if u, _ := c["user"].(map[string]any); u == nil || u["login"] != f.writer["login"] {
					t.Errorf("PATCH of comment %d by %v: not the token's own (GitHub answers 403 or, worse, edits it for an admin)", id, c["user"])
				}
				c["body"] = in["body"]
				writeJSON(w, http.StatusOK, c)
				return
			}
		}
		http.NotFound(w, r)
	case reLabels.MatchString(p) && r.Method == http.MethodGet:
		var all []map[string]any
		for _, l := range f.labels {
			all = append(all, map[string]any{"name": l})
		}
		f.page(w, r, all)
	case reLabels.MatchString(p) && r.Method == http.MethodPost:
		// POST /repos/{owner}/{repo}/issues/{n}/labels: {"labels": [...]}.
		var obj struct {
			Labels []string `json:"labels"`
		}
		if err := json.Unmarshal(body, &obj); err != nil || len(obj.Labels) == 0 {
			t.Errorf("POST labels: body %s is not {\"labels\": [...]}", body)
		}
		for _, n := range obj.Labels {
			if !contains(f.labels, n) {
				f.labels = append(f.labels, n)
			}
		}
		writeJSON(w, http.StatusOK, []any{})
	case reLabel.MatchString(p) && r.Method == http.MethodDelete:
		name, err := url.PathUnescape(reLabel.FindStringSubmatch(p)[2])
		if err != nil {
			t.Errorf("DELETE %s: %v", p, err)
		}
		if !contains(f.labels, name) {
			writeJSON(w, http.StatusNotFound, map[string]any{"message": "Label does not exist"})
			return
		}
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
	case reIssues.MatchString(p) && r.Method == http.MethodGet:
		q := r.URL.Query()
		if q.Get("state") != "all" {
			t.Errorf("GET issues: state %q, want all", q.Get("state"))
		}
		var sel []map[string]any
		for _, is := range f.issues {
			if l := q.Get("labels"); l == "" || contains(is["labelNames"].([]string), l) {
				sel = append(sel, is)
			}
		}
		q.Del("state")
		q.Del("labels")
		r.URL.RawQuery = q.Encode()
		f.page(w, r, sel)
	case reIssues.MatchString(p) && r.Method == http.MethodPost:
		in := f.decode(r, body, []string{"title", "body"}, nil)
		is := map[string]any{"number": len(f.issues) + 1, "title": in["title"], "body": in["body"], "state": "open", "user": f.writer,
			"labelNames": strs(in["labels"])}
		is["labels"] = labelObjs(is["labelNames"].([]string))
		f.issues = append(f.issues, is)
		writeJSON(w, http.StatusCreated, is)
	case reIssue.MatchString(p) && r.Method == http.MethodPatch:
		in := f.decode(r, body, nil, nil)
		n, _ := strconv.Atoi(reIssue.FindStringSubmatch(p)[1])
		if n < 1 || n > len(f.issues) {
			http.NotFound(w, r)
			return
		}
		is := f.issues[n-1]
		for k, v := range in {
			switch k {
			case "title", "body", "state", "state_reason":
				is[k] = v
			case "labels":
				is["labelNames"] = strs(v)
				is["labels"] = labelObjs(strs(v))
			default:
				t.Errorf("PATCH issue: field %q", k)
			}
		}
		if in["state_reason"] != nil && in["state"] != "closed" {
			t.Errorf("PATCH issue: state_reason without closing")
		}
		writeJSON(w, http.StatusOK, is)
	default:
		t.Errorf("unexpected request %s %s", r.Method, p)
		http.NotFound(w, r)
	}
}

func strs(v any) []string {
	out := []string{}
	xs, _ := v.([]any)
	for _, x := range xs {
		out = append(out, x.(string))
	}
	return out
}

func labelObjs(names []string) []map[string]any {
	out := []map[string]any{}
	for _, n := range names {
		out = append(out, map[string]any{"name": n})
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
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
// GitHub paginates; a query other than per_page and page fails the test.
func (f *fakeGitHub) page(w http.ResponseWriter, r *http.Request, all []map[string]any) {
	q := r.URL.Query()
	for k := range q {
		if k != "per_page" && k != "page" {
			f.t.Errorf("%s: unexpected query %s", r.URL.Path, k)
		}
	}
	per, _ := strconv.Atoi(q.Get("per_page"))
	if per <= 0 || per > 100 {
		f.t.Errorf("%s: per_page %q", r.URL.Path, q.Get("per_page"))
		per = 30
	}
	pg, _ := strconv.Atoi(q.Get("page"))
	if pg < 1 {
		pg = 1
	}
	lo, hi := min((pg-1)*per, len(all)), min(pg*per, len(all))
	if hi < len(all) {
		u := *r.URL
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
