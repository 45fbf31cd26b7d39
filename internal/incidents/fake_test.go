package incidents

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeGitHub keeps issues and comments as GitHub's REST API does, and
// checks every request: method, path, query, headers and body.
type fakeGitHub struct {
	t      *testing.T
	mu     sync.Mutex
	issues []map[string]any // number i+1
	// comments by issue number.
	comments map[int][]string
	writes   []string // "METHOD path" of every call that changes something
	bot      map[string]any
	srv      *httptest.Server
}

const testToken = "ghs_test"

var (
	reIssues   = regexp.MustCompile(`^/repos/octo/estate/issues$`)
	reIssue    = regexp.MustCompile(`^/repos/octo/estate/issues/([0-9]+)$`)
	reComments = regexp.MustCompile(`^/repos/octo/estate/issues/([0-9]+)/comments$`)
)

func newFake(t *testing.T) *fakeGitHub {
	f := &fakeGitHub{t: t, comments: map[int][]string{}, bot: map[string]any{"login": "github-actions[bot]", "type": "Bot"}}
	f.srv = httptest.NewServer(f)
	t.Cleanup(f.srv.Close)
	return f
}

// plant adds an issue someone else wrote.
func (f *fakeGitHub) plant(login, title, body string, labels ...string) {
	f.issues = append(f.issues, map[string]any{"number": len(f.issues) + 1, "title": title, "body": body, "state": "open",
		"user": map[string]any{"login": login, "type": "User"}, "labels": labelObjs(labels)})
}

func labelObjs(ls []string) []map[string]any {
	out := []map[string]any{}
	for _, l := range ls {
		out = append(out, map[string]any{"name": l})
	}
	return out
}

func userObjs(logins []string) []map[string]any {
	out := []map[string]any{}
	for _, l := range logins {
		out = append(out, map[string]any{"login": l, "type": "User"})
	}
	return out
}

func labelNames(is map[string]any) []string {
	var out []string
	for _, l := range is["labels"].([]map[string]any) {
		out = append(out, l["name"].(string))
	}
	return out
}

func (f *fakeGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, p := f.t, r.URL.EscapedPath()
	if r.Header.Get("Authorization") != "Bearer "+testToken || r.Header.Get("X-GitHub-Api-Version") != "2022-11-28" ||
		!strings.Contains(r.Header.Get("Accept"), "application/vnd.github") || r.Header.Get("User-Agent") == "" {
		t.Errorf("%s %s: headers %v", r.Method, p, r.Header)
	}
	body, _ := io.ReadAll(r.Body)
	var in map[string]any
	if r.Method == http.MethodPost || r.Method == http.MethodPatch {
		if r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s %s: Content-Type %q", r.Method, p, r.Header.Get("Content-Type"))
		}
		if err := json.Unmarshal(body, &in); err != nil {
			t.Errorf("%s %s: body %s: %v", r.Method, p, body, err)
		}
		f.writes = append(f.writes, r.Method+" "+p)
	} else if len(body) > 0 {
		t.Errorf("%s %s: a body", r.Method, p)
	}
	q := r.URL.Query()
	if r.Method != http.MethodGet || !reIssues.MatchString(p) {
		if r.URL.RawQuery != "" {
			t.Errorf("%s %s: query %q", r.Method, p, r.URL.RawQuery)
		}
	}
	switch {
	case p == "/user" && r.Method == http.MethodGet:
		// An installation token, as in GitHub Actions.
		writeJSON(w, http.StatusForbidden, map[string]any{"message": "Resource not accessible by integration"})
	case reIssues.MatchString(p) && r.Method == http.MethodGet:
		for k := range q {
			if !slices.Contains([]string{"state", "labels", "per_page", "page"}, k) {
				t.Errorf("GET issues: query %s", k)
			}
		}
		if q.Get("state") != "all" || q.Get("labels") != Label || q.Get("per_page") != "100" {
			t.Errorf("GET issues: query %q", r.URL.RawQuery)
		}
		var sel []map[string]any
		for _, is := range f.issues {
			if slices.Contains(labelNames(is), Label) {
				sel = append(sel, is)
			}
		}
		pg, _ := strconv.Atoi(cmpOr(q.Get("page"), "1"))
		lo, hi := min((pg-1)*100, len(sel)), min(pg*100, len(sel))
		if hi < len(sel) {
			q.Set("page", strconv.Itoa(pg+1))
			w.Header().Set("Link", `<`+f.srv.URL+p+"?"+q.Encode()+`>; rel="next"`)
		}
		writeJSON(w, http.StatusOK, append([]map[string]any{}, sel[lo:hi]...))
	case reIssues.MatchString(p) && r.Method == http.MethodPost:
		f.check(p, in, "title", "body", "labels", "assignees")
		if s, _ := in["title"].(string); s == "" {
			t.Errorf("POST issue without a title")
		}
		is := map[string]any{"number": len(f.issues) + 1, "title": in["title"], "body": in["body"], "state": "open", "user": f.bot,
			"labels": labelObjs(strs(in["labels"])), "assignees": userObjs(strs(in["assignees"]))}
		f.issues = append(f.issues, is)
		writeJSON(w, http.StatusCreated, is)
	case reIssue.MatchString(p) && r.Method == http.MethodPatch:
		f.check(p, in, "title", "body", "labels", "state", "state_reason")
		is := f.issue(w, r, reIssue.FindStringSubmatch(p)[1])
		if is == nil {
			return
		}
		for k, v := range in {
			if k == "labels" {
				is[k] = labelObjs(strs(v))
			} else {
				is[k] = v
			}
		}
		if in["state_reason"] != nil && in["state"] != "closed" {
			t.Errorf("PATCH %s: state_reason %v without closing", p, in["state_reason"])
		}
		writeJSON(w, http.StatusOK, is)
	case reComments.MatchString(p) && r.Method == http.MethodPost:
		f.check(p, in, "body")
		is := f.issue(w, r, reComments.FindStringSubmatch(p)[1])
		if is == nil {
			return
		}
		n := is["number"].(int)
		f.comments[n] = append(f.comments[n], in["body"].(string))
		writeJSON(w, http.StatusCreated, map[string]any{"id": n*1000 + len(f.comments[n]), "body": in["body"], "user": f.bot})
	default:
		t.Errorf("unexpected request %s %s", r.Method, p)
		http.NotFound(w, r)
	}
}

// issue finds issue s and refuses one the token's identity did not write
// (estate must never touch those).
func (f *fakeGitHub) issue(w http.ResponseWriter, r *http.Request, s string) map[string]any {
	n, _ := strconv.Atoi(s)
	if n < 1 || n > len(f.issues) {
		writeJSON(w, http.StatusNotFound, map[string]any{"message": "Not Found"})
		return nil
	}
	is := f.issues[n-1]
	if u := is["user"].(map[string]any); u["login"] != f.bot["login"] {
		f.t.Errorf("%s %s: issue #%d was written by %v, not the token's identity", r.Method, r.URL.Path, n, u["login"])
	}
	return is
}

// check fails the test for a body field outside allowed.
func (f *fakeGitHub) check(p string, in map[string]any, allowed ...string) {
	for k := range in {
		if !slices.Contains(allowed, k) {
			f.t.Errorf("%s: unexpected field %q", p, k)
		}
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

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
