package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/gitrepo/gittest"

	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/synth"
)

// gateGitHub is a small stand-in for the GitHub REST API endpoints the
// gate calls; it checks each request's method, path, headers and body.
type gateGitHub struct {
	t        *testing.T
	number   string // the pull request's number (default 7)
	mu       sync.Mutex
	reviews  []map[string]any
	comments []map[string]any
	labels   []string
	runs     []map[string]any
	members  map[string]bool
	calls    int
}

func (f *gateGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	t := f.t
	if r.Header.Get("Authorization") != "Bearer ghs_gate" || r.Header.Get("X-GitHub-Api-Version") != "2022-11-28" {
		t.Errorf("%s %s: headers %v", r.Method, r.URL.Path, r.Header)
	}
	body, _ := io.ReadAll(r.Body)
	var in map[string]any
	if r.Method == http.MethodPost || r.Method == http.MethodPatch {
		if r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s %s: Content-Type %q", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
		}
		json.Unmarshal(body, &in)
	}
	reply := func(code int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(v)
	}
	p := r.URL.Path
	if f.number != "" {
		p = strings.Replace(p, "/"+f.number+"/", "/7/", 1)
	}
	switch {
	case r.Method == "GET" && p == "/user":
		// The Actions token is an installation token: GitHub refuses it /user.
		reply(403, map[string]any{"message": "Resource not accessible by integration"})
	case r.Method == "GET" && p == "/repos/octo/estate/pulls/7/reviews":
		reply(200, f.reviews)
	case r.Method == "GET" && p == "/repos/octo/estate/issues/7/comments":
		reply(200, f.comments)
	case r.Method == "POST" && p == "/repos/octo/estate/issues/7/comments":
		if _, ok := in["body"].(string); !ok {
			t.Errorf("create comment without body: %s", body)
		}
		c := map[string]any{"id": len(f.comments) + 1, "body": in["body"], "user": map[string]any{"login": "github-actions[bot]", "type": "Bot"}}
		f.comments = append(f.comments, c)
		reply(201, c)
	case r.Method == "PATCH" && strings.HasPrefix(p, "/repos/octo/estate/issues/comments/"):
		for _, c := range f.comments {
			if fmt.Sprint(c["id"]) == strings.TrimPrefix(p, "/repos/octo/estate/issues/comments/") {
				c["body"] = in["body"]
				reply(200, c)
				return
			}
		}
		t.Errorf("edit of an unknown comment %s", p)
		reply(404, map[string]any{"message": "Not Found"})
	case r.Method == "GET" && p == "/repos/octo/estate/issues/7/labels":
		var out []map[string]any
		for _, l := range f.labels {
			out = append(out, map[string]any{"name": l})
		}
		reply(200, out)
	case r.Method == "POST" && p == "/repos/octo/estate/issues/7/labels":
		var names struct {
			Labels []string `json:"labels"`
		}
		if err := json.Unmarshal(body, &names); err != nil || len(names.Labels) == 0 {
			t.Errorf("labels body %s: want {\"labels\": [...]}", body)
		}
		f.labels = append(f.labels, names.Labels...)
		reply(200, []any{})
	case r.Method == "DELETE" && strings.HasPrefix(p, "/repos/octo/estate/issues/7/labels/"):
		name := strings.TrimPrefix(p, "/repos/octo/estate/issues/7/labels/")
		var keep []string
		for _, l := range f.labels {
			if l != name {
				keep = append(keep, l)
			}
		}
		f.labels = keep
		reply(200, []any{})
	case r.Method == "POST" && p == "/repos/octo/estate/check-runs":
		for _, k := range []string{"name", "head_sha", "status", "conclusion", "output"} {
			if _, ok := in[k]; !ok {
				t.Errorf("check run without %s: %s", k, body)
			}
		}
		f.runs = append(f.runs, in)
		reply(201, map[string]any{"id": len(f.runs)})
	case r.Method == "GET" && strings.HasPrefix(p, "/orgs/octo/teams/cab/memberships/"):
		if f.members[strings.TrimPrefix(p, "/orgs/octo/teams/cab/memberships/")] {
			reply(200, map[string]any{"state": "active"})
			return
		}
		reply(404, map[string]any{"message": "Not Found"})
	default:
		t.Errorf("unexpected %s %s", r.Method, p)
		reply(404, map[string]any{"message": "Not Found"})
	}
}

func gitCmd(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org", "GIT_COMMITTER_NAME=t",
		"GIT_COMMITTER_EMAIL=t@example.org", "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, data := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const gatePolicy = `apiVersion: estate/v1
kind: ChangePolicy
approvals:
  - name: peer review
    count: 1
  - name: cab
    when: {risk: [high, critical]}
    count: 1
    teams: ["@octo/cab"]
risk:
  rules:
    - name: baselines
      risk: high
      when: {kinds: [Baseline]}
standard_changes:
  - id: STD-001
    title: Reassign
    kinds: [Asset]
    fields: [owner, location]
`

func laptop(owner string) string {
	return "apiVersion: estate/v1\nkind: Asset\nid: LT-00001\nclass: laptop\nstatus: deployed\nserial: C02XK1ABJG5H\nowner: " + owner + "\nlocation: LON\nbaseline: b\n"
}

// TestChangeCheckGate runs the gate as GitHub Actions would, over three
// pushes to one pull request: one comment, edited; a check run and labels
// each time; the job summary; stale approvals not counted.
func TestChangeCheckGate(t *testing.T) {
	needGit(t)
	dir, base := gateRepo(t, "main", "pr")

	fake := &gateGitHub{t: t, members: map[string]bool{"carol": true}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	summary := filepath.Join(t.TempDir(), "summary.md")
	eventPath := filepath.Join(t.TempDir(), "event.json")
	env := map[string]string{"GITHUB_EVENT_PATH": eventPath, "GITHUB_REPOSITORY": "octo/estate", "GITHUB_TOKEN": "ghs_gate",
		"GITHUB_API_URL": srv.URL, "GITHUB_STEP_SUMMARY": summary, "CI": "true"}
	run := func(env map[string]string) (int, string, string) {
		var out, errb bytes.Buffer
		app := &App{Args: []string{"--repo", dir, "change", "check"}, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
			Getenv: func(k string) string { return env[k] }, Now: func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) }}
		return Main(app), out.String(), errb.String()
	}
	push := func(owner string, files map[string]string) string {
		writeFiles(t, dir, files)
		writeFiles(t, dir, map[string]string{"inventory/laptop/LT-00001.yaml": laptop(owner)})
		gitCmd(t, dir, "add", "-A")
		gitCmd(t, dir, "commit", "-q", "-m", "push")
		head := gitCmd(t, dir, "rev-parse", "HEAD")
		ev := map[string]any{"action": "synchronize", "number": 7, "pull_request": map[string]any{
			"number": 7, "title": "Reassign @everyone <b>x</b>", "user": map[string]any{"login": "alice"},
			"head": map[string]any{"sha": head, "ref": "pr"}, "base": map[string]any{"sha": base, "ref": "main"}}}
		data, _ := json.Marshal(ev)
		if err := os.WriteFile(eventPath, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return head
	}

	// Push 1: a standard change, no review yet: the gate fails.
	head1 := push("b@example.org", nil)
	code, out, errs := run(env)
	if code != ExitFindings || !strings.Contains(out, "gate: FAIL") || !strings.Contains(out, "peer review: 0 of 1") {
		t.Fatalf("push 1: exit %d\n%s\n%s", code, out, errs)
	}
	// Push 2: bob approved push 1; the approval is stale after the push.
	fake.reviews = []map[string]any{{"user": map[string]any{"login": "bob"}, "state": "APPROVED", "commit_id": head1, "submitted_at": "2026-11-23T10:00:00Z"}}
	head2 := push("c@example.org", nil)
	code, out, _ = run(env)
	if code != ExitFindings || !strings.Contains(out, "before the latest push") {
		t.Fatalf("push 2: exit %d\n%s", code, out)
	}
	// Push 3 turns it into a baseline change (high risk, CAB team needed);
	// bob re-approves the new head and carol of the CAB approves too;
	// alice (the author) approving counts for nothing.
	head3 := push("d@example.org", map[string]string{
		"policies/baselines/b.yaml": "apiVersion: estate/v1\nkind: Baseline\nname: b\nversion: 1.1.0\ncontrols:\n  - id: C-1\n    title: fw\n    severity: high\n    check: {fact: security.firewall, equals: true}\n  - id: C-2\n    title: enc\n    severity: high\n    check: {fact: security.disk_encryption, equals: true}\n",
		"changes/CR-2026-0001.yaml": "apiVersion: estate/v1\nkind: ChangeRequest\nid: CR-2026-0001\ntitle: Encrypt disks\ntype: normal\nreason: audit\nrisk: high\n",
	})
	_ = head2
	fake.reviews = append(fake.reviews,
		map[string]any{"user": map[string]any{"login": "bob"}, "state": "APPROVED", "commit_id": head3, "submitted_at": "2026-11-23T11:00:00Z"},
		map[string]any{"user": map[string]any{"login": "carol"}, "state": "APPROVED", "commit_id": head3, "submitted_at": "2026-11-23T11:05:00Z"},
		map[string]any{"user": map[string]any{"login": "alice"}, "state": "APPROVED", "commit_id": head3, "submitted_at": "2026-11-23T11:06:00Z"},
	)
	code, out, errs = run(env)
	if code != ExitOK || !strings.Contains(out, "gate: PASS") {
		t.Fatalf("push 3: exit %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(out, "alice: the author cannot approve") {
		t.Errorf("self-approval not reported:\n%s", out)
	}

	// One comment, edited twice, holding the last plan, escaped.
	if len(fake.comments) != 1 {
		t.Fatalf("%d comments; want 1", len(fake.comments))
	}
	body := fake.comments[0]["body"].(string)
	if !strings.HasPrefix(body, "<!-- estate:change-plan -->") || !strings.Contains(body, "Change gate passed") || strings.Contains(body, "<b>") || strings.Contains(body, "@everyone") {
		t.Errorf("comment:\n%s", body)
	}
	// A check run per push: failure, failure, success on each head.
	if len(fake.runs) != 3 || fake.runs[0]["conclusion"] != "failure" || fake.runs[2]["conclusion"] != "success" || fake.runs[2]["head_sha"] != head3 {
		t.Errorf("check runs %v", fake.runs)
	}
	// Labels follow the change: standard/low, then normal/high.
	sort.Strings(fake.labels)
	if got := strings.Join(fake.labels, ","); got != "change:normal,risk:high" {
		t.Errorf("labels %s", got)
	}
	sum, err := os.ReadFile(summary)
	if err != nil || strings.Count(string(sum), "<!-- estate:change-plan -->") != 3 {
		t.Errorf("job summary: %v\n%s", err, sum)
	}

	// Without a token: the same report, no network, and not a pass.
	calls := fake.calls
	delete(env, "GITHUB_TOKEN")
	code, out, errs = run(env)
	if code != ExitOK || fake.calls != calls || !strings.Contains(errs, "reviews not read (no GITHUB_TOKEN)") || !strings.Contains(out, "records:") {
		t.Errorf("no token: exit %d, %d calls\n%s\n%s", code, fake.calls-calls, out, errs)
	}

	// A rate-limited API is an error (exit 3), never a pass.
	env["GITHUB_TOKEN"] = "ghs_gate"
	limited := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", fmt.Sprint(time.Now().Add(time.Hour).Unix()))
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `{"message":"API rate limit exceeded"}`)
	}))
	defer limited.Close()
	env["GITHUB_API_URL"] = limited.URL
	code, _, errs = run(env)
	if code != ExitFailure || !regexp.MustCompile(`rate limit exceeded until`).MatchString(errs) || !strings.Contains(errs, "the gate has not run") {
		t.Errorf("rate limit: exit %d\n%s", code, errs)
	}
}

// TestChangePlanHostileFiles: a pull request that adds a huge file, a
// change request whose id is a path, and a link out of the repository
// gets clear findings at file:line:column, and nothing outside is read.
func TestChangePlanHostileFiles(t *testing.T) {
	needGit(t)
	top := t.TempDir()
	dir := filepath.Join(top, "repo")
	writeFiles(t, top, map[string]string{"secret.yaml": "password: hunter2\n"})
	writeFiles(t, dir, map[string]string{
		"policies/change-control.yaml": gatePolicy,
		"inventory/locations/LON.yaml": "apiVersion: estate/v1\nkind: Location\nid: LON\nname: London\ntype: site\n",
	})
	gitCmd(t, dir, "init", "-q", "-b", "main")
	gitCmd(t, dir, "add", "-A")
	gitCmd(t, dir, "commit", "-q", "-m", "estate")
	gitCmd(t, dir, "checkout", "-q", "-b", "pr")
	writeFiles(t, dir, map[string]string{
		"inventory/laptop/LT-00002.yaml": "apiVersion: estate/v1\nkind: Asset\nid: LT-00002\nclass: laptop\nstatus: in-stock\nnotes: " + strings.Repeat("x", 2<<20) + "\n",
		"changes/CR-2026-0001.yaml":      "apiVersion: estate/v1\nkind: ChangeRequest\nid: ../../etc/passwd\ntitle: t\ntype: normal\nreason: r\nrisk: low\n",
	})
	if err := os.Symlink("../../../secret.yaml", filepath.Join(dir, "inventory", "laptop", "LT-00003.yaml")); err != nil {
		t.Fatal(err)
	}
	gitCmd(t, dir, "add", "-A")
	gitCmd(t, dir, "commit", "-q", "-m", "hostile")
	for _, engine := range []string{"git", "go-git"} {
		var out, errb bytes.Buffer
		app := &App{Args: []string{"--repo", dir, "change", "plan", "--diff-engine", engine}, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
			Getenv: func(string) string { return "" }, Now: func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) }}
		code := Main(app)
		o := out.String()
		if code != ExitFindings {
			t.Fatalf("%s: exit %d\n%s\n%s", engine, code, o, errb.String())
		}
		for _, want := range []string{
			"inventory/laptop/LT-00002.yaml: critical: the file is too large to be a record",
			"changes/CR-2026-0001.yaml:3:5: critical:",
			"inventory/laptop/LT-00003.yaml: critical: the change adds a symbolic link",
		} {
			if !strings.Contains(o, want) {
				t.Errorf("%s: no %q in\n%s", engine, want, o)
			}
		}
		if strings.Contains(o, "hunter2") || strings.Contains(o, "xxxxxxxxxx") {
			t.Errorf("%s: content from outside or of the huge file was echoed", engine)
		}
	}
}

// TestChangePlanOn10000Records: a generated 10,000-record repository with
// a branch that reassigns 100 devices and adds a change request; both diff
// engines give the same plan.
func TestChangePlanOn10000Records(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 10,000-file repository")
	}
	needGit(t)
	dir := t.TempDir()
	if _, _, err := synth.ChangeRepo(t.Context(), dir, synth.ChangeRepoConfig{Estate: synth.Config{Assets: 10_000, Seed: 7}, Touch: 100, Request: true}); err != nil {
		t.Fatal(err)
	}
	var outs []string
	for _, engine := range []string{"git", "go-git"} {
		var out, errb bytes.Buffer
		app := &App{Args: []string{"--repo", dir, "change", "plan", "--base", "main", "--head", "change", "--diff-engine", engine, "--format", "json"},
			Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
			Getenv: func(string) string { return "" }, Now: func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) }}
		if code := Main(app); code != ExitOK {
			t.Fatalf("%s: exit %d\n%s", engine, code, errb.String())
		}
		var doc struct {
			Plan struct {
				Records []struct {
					Action string
					Kind   string
					Fields []struct{ Field string }
				}
				Type         string `json:"type"`
				ComputedRisk string `json:"computed_risk"`
				Impact       struct{ Devices int }
			}
		}
		if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		p := doc.Plan
		if len(p.Records) != 101 || p.Type != "normal" || p.ComputedRisk != "medium" || p.Impact.Devices != 100 {
			t.Fatalf("%s: %d records, type %s, risk %s, %d devices", engine, len(p.Records), p.Type, p.ComputedRisk, p.Impact.Devices)
		}
		for _, r := range p.Records {
			if r.Kind == "Asset" && (r.Action != "changed" || len(r.Fields) != 1 || r.Fields[0].Field != "owner") {
				t.Fatalf("%s: record %+v", engine, r)
			}
		}
		outs = append(outs, out.String())
	}
	if outs[0] != outs[1] {
		t.Error("the git and go-git engines give different plans")
	}
}

// TestChangeCheckWithGitHubPayloads runs the gate with the event payloads
// GitHub sends (the octokit/webhooks examples in the shared fixtures:
// pull_request opened and synchronize, pull_request_review submitted),
// their commits pointed at a real repository.
func TestChangeCheckWithGitHubPayloads(t *testing.T) {
	fixtures := filepath.Join("..", "..", "..", "shared", "fixtures", "github")
	if _, err := os.Stat(fixtures); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("fixtures missing in CI: %v", err)
		}
		t.Skip("shared fixtures not present")
	}
	needGit(t)
	dir, base := gateRepo(t, "master", "changes")
	writeFiles(t, dir, map[string]string{"inventory/laptop/LT-00001.yaml": laptop("b@example.org")})
	gitCmd(t, dir, "commit", "-q", "-am", "reassign")
	head := gitCmd(t, dir, "rev-parse", "HEAD")

	for _, name := range []string{"pull_request/opened.payload.json", "pull_request/synchronize.payload.json", "pull_request_review/submitted.payload.json"} {
		data, err := os.ReadFile(filepath.Join(fixtures, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		var ev map[string]any
		if err := json.Unmarshal(data, &ev); err != nil {
			t.Fatal(err)
		}
		pr := ev["pull_request"].(map[string]any)
		pr["head"].(map[string]any)["sha"] = head
		pr["base"].(map[string]any)["sha"] = base
		patched, _ := json.Marshal(ev)
		eventPath := filepath.Join(t.TempDir(), "event.json")
		if err := os.WriteFile(eventPath, patched, 0o644); err != nil {
			t.Fatal(err)
		}
		fake := &gateGitHub{t: t, number: "2", members: map[string]bool{}}
		// Someone other than the author (Codertocat) approved the head.
		fake.reviews = []map[string]any{{"user": map[string]any{"login": "octocat"}, "state": "APPROVED", "commit_id": head, "submitted_at": "2026-11-23T10:00:00Z"}}
		srv := httptest.NewServer(fake)
		env := map[string]string{"GITHUB_EVENT_PATH": eventPath, "GITHUB_REPOSITORY": "octo/estate", "GITHUB_TOKEN": "ghs_gate", "GITHUB_API_URL": srv.URL}
		var out, errb bytes.Buffer
		app := &App{Args: []string{"--repo", dir, "change", "check"}, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
			Getenv: func(k string) string { return env[k] }, Now: func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) }}
		code := Main(app)
		srv.Close()
		if code != ExitOK || !strings.Contains(out.String(), "gate: PASS") {
			t.Fatalf("%s: exit %d\n%s\n%s", name, code, out.String(), errb.String())
		}
		if len(fake.comments) != 1 || !strings.Contains(fake.comments[0]["body"].(string), "Codertocat") {
			t.Errorf("%s: comments %v", name, fake.comments)
		}
		if len(fake.runs) != 1 || fake.runs[0]["head_sha"] != head {
			t.Errorf("%s: check runs %v", name, fake.runs)
		}
	}
}

func needGit(t testing.TB) { gittest.NeedCLI(t) }

// gateRepo makes the gate tests' repository: a policy, a location, a
// baseline and one laptop committed on branch, then a checkout of the
// pull request's branch pr. It returns the folder and the base commit.
func gateRepo(t *testing.T, branch, pr string) (dir, base string) {
	t.Helper()
	dir = t.TempDir()
	writeFiles(t, dir, map[string]string{
		"policies/change-control.yaml":   gatePolicy,
		"inventory/locations/LON.yaml":   "apiVersion: estate/v1\nkind: Location\nid: LON\nname: London\ntype: site\n",
		"policies/baselines/b.yaml":      "apiVersion: estate/v1\nkind: Baseline\nname: b\nversion: 1.0.0\ncontrols:\n  - id: C-1\n    title: fw\n    severity: high\n    check: {fact: security.firewall, equals: true}\n",
		"inventory/laptop/LT-00001.yaml": laptop("a@example.org"),
	})
	gitCmd(t, dir, "init", "-q", "-b", branch)
	gitCmd(t, dir, "add", "-A")
	gitCmd(t, dir, "commit", "-q", "-m", "estate")
	base = gitCmd(t, dir, "rev-parse", "HEAD")
	gitCmd(t, dir, "checkout", "-q", "-b", pr)
	return dir, base
}

// TestChangePlanFlags: the Options a command line gives `estate change
// plan`, apart from running it (gh's runF), and the flags it refuses.
func TestChangePlanFlags(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	env := map[string]string{}
	parse := func(args ...string) (*changePlanOptions, error) {
		var errb bytes.Buffer
		app := &App{Stdout: io.Discard, Stderr: &errb, Getenv: func(k string) string { return env[k] }, Now: func() time.Time { return now }, dir: "/srv/estate"}
		var got *changePlanOptions
		cmd := newChangePlanCmd(app, func(_ context.Context, _ *App, o *changePlanOptions) error { got = o; return nil })
		cmd.SetArgs(args)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		err := cmd.Execute()
		return got, err
	}
	o, err := parse()
	if err != nil {
		t.Fatal(err)
	}
	p := o.Plan
	if p.Dir != "/srv/estate" || p.Base != "" || p.Head != "HEAD" || p.Full || p.Cache || p.Engine != gitrepo.EngineAuto || p.Facts != "" ||
		!p.Now.Equal(now) || o.Format != "text" || o.FailOn != record.SevHigh {
		t.Errorf("defaults: %+v", o)
	}
	if got, want := strings.Join(p.DefaultBases, " "), "refs/remotes/origin/main main refs/remotes/origin/master master"; got != want {
		t.Errorf("default bases %q; want %q", got, want)
	}

	env["GITHUB_BASE_REF"] = "release"
	o, err = parse("--base", "main~2", "--head", "feature", "--full", "--cache", "--diff-engine", "git", "--facts", "collected",
		"--format", "json", "--fail-on", "never")
	if err != nil {
		t.Fatal(err)
	}
	p = o.Plan
	if p.Base != "main~2" || p.Head != "feature" || !p.Full || !p.Cache || p.Engine != gitrepo.EngineGit || p.Facts != "collected" ||
		o.Format != "json" || o.FailOn != 0 {
		t.Errorf("flags: %+v", o)
	}
	if p.DefaultBases[0] != "refs/remotes/origin/release" || p.DefaultBases[1] != "release" {
		t.Errorf("GITHUB_BASE_REF not tried first: %v", p.DefaultBases)
	}
	if o, err = parse("--fail-on", "medium", "--no-cache"); err != nil || o.FailOn != record.SevMedium || o.Plan.Cache {
		t.Errorf("--fail-on medium --no-cache: %+v, %v", o, err)
	}

	for _, args := range [][]string{
		{"--format", "yaml"}, {"--diff-engine", "svn"}, {"--fail-on", "severe"},
	} {
		o, err := parse(args...)
		var ee *ExitError
		if o != nil || !errors.As(err, &ee) || ee.Code != ExitUsage {
			t.Errorf("%v: options %v, error %v; want a usage error and no run", args, o, err)
		}
	}
	if o, err := parse("extra"); o != nil || err == nil {
		t.Errorf("an argument: options %v, error %v", o, err)
	}
}
