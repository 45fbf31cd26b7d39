package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	gh "github.com/google/go-github/v60/github"
)

const marker = "<!-- estate:change-plan -->"

func human(login string) map[string]any { return map[string]any{"login": login, "type": "User"} }

func TestUpsertCommentIsIdempotentAcrossThreePushes(t *testing.T) {
	f, c := newFake(t)
	ctx := context.Background()
	// A busy pull request: 150 human comments first (two pages), one of
	// which quotes text without the marker.
	for i := 0; i < 150; i++ {
		f.comments = append(f.comments, map[string]any{"id": int64(i + 1), "body": fmt.Sprintf("comment %d estate:change-plan", i), "user": human("bob")})
	}
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
	posts, patches, users := 0, 0, 0
	for _, call := range f.calls {
		switch {
		case strings.HasPrefix(call, "POST "):
			posts++
		case strings.HasPrefix(call, "PATCH "):
			patches++
		case call == "GET /user":
			users++
		}
	}
	if posts != 1 || patches != 2 || users != 1 {
		t.Errorf("%d POSTs, %d PATCHes, %d GET /user; want 1, 2 and 1 (calls %v)", posts, patches, users, f.calls)
	}
	if _, err := c.UpsertComment(ctx, 7, marker, "no marker"); err == nil {
		t.Error("a body without the marker was accepted")
	}
}

// TestPlantedMarkerIsIgnored: a comment holding the marker that someone
// else wrote (a user pasting it, or a bot of another app) is not edited;
// the client's own comment is created, then found again.
func TestPlantedMarkerIsIgnored(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cfg    Config
		user   map[string]any // GET /user
		writer map[string]any // who the token writes as
	}{
		{"actions token", Config{}, nil, map[string]any{"login": "github-actions[bot]", "type": "Bot"}},
		{"personal token", Config{}, human("estate-ci"), human("estate-ci")},
		{"explicit identity", Config{Identity: &Identity{Login: "estate-app[bot]", Type: "Bot"}}, nil, map[string]any{"login": "estate-app[bot]", "type": "Bot"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, c := newFakeWith(t, tc.cfg)
			f.user, f.writer = tc.user, tc.writer
			planted := []map[string]any{
				{"id": int64(1), "body": marker + "\nplanted: ✅ Change gate passed", "user": human("mallory")},
				// A user whose login is the bot's but who is not a bot.
				{"id": int64(2), "body": marker + "\nplanted too", "user": map[string]any{"login": tc.writer["login"], "type": "Organization"}},
				{"id": int64(3), "body": marker + "\nanother app", "user": map[string]any{"login": "other[bot]", "type": "Bot"}},
			}
			f.comments = append(f.comments, planted...)
			id, err := c.UpsertComment(context.Background(), 7, marker, marker+"\nthe real plan")
			if err != nil {
				t.Fatal(err)
			}
			if len(f.comments) != 4 || id != f.comments[3]["id"] {
				t.Fatalf("comments %v, id %d: want a new one", f.comments, id)
			}
			for i, p := range planted {
				if !strings.Contains(f.comments[i]["body"].(string), "planted") && !strings.Contains(f.comments[i]["body"].(string), "another app") {
					t.Errorf("comment %d by %v edited: %v", i+1, p["user"], f.comments[i]["body"])
				}
			}
			// The next push finds the client's own comment again.
			id2, err := c.UpsertComment(context.Background(), 7, marker, marker+"\nthe next plan")
			if err != nil || id2 != id || len(f.comments) != 4 || f.comments[3]["body"] != marker+"\nthe next plan" {
				t.Errorf("second upsert: id %d (want %d), %v, %d comments", id2, id, err, len(f.comments))
			}
		})
	}
}

func TestSelfFailsClearlyOnBadCredentials(t *testing.T) {
	f, c := newFake(t)
	f.fail, f.failStatus = 1, http.StatusUnauthorized
	if _, err := c.UpsertComment(context.Background(), 7, marker, marker); err == nil || StatusCode(err) != http.StatusUnauthorized {
		t.Fatalf("err = %v; want the 401", err)
	}
	if len(f.comments) != 0 {
		t.Errorf("a comment was written without knowing who writes it")
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
	if n := strings.Count(strings.Join(f.calls, "\n"), "/reviews"); n != 2 {
		t.Errorf("%d pages read; want 2", n)
	}
}

func TestPullRequest(t *testing.T) {
	f, c := newFake(t)
	f.pr = map[string]any{"number": 5, "title": "Deploy", "merged": true, "merge_commit_sha": "m1", "user": human("jane"),
		"head": map[string]any{"sha": "h1", "ref": "feature"}, "base": map[string]any{"sha": "b1", "ref": "main"}}
	pr, err := c.PullRequest(context.Background(), 5)
	if err != nil {
		t.Fatal(err)
	}
	want := PullRequest{Number: 5, Title: "Deploy", Author: "jane", HeadSHA: "h1", HeadRef: "feature", BaseSHA: "b1", BaseRef: "main", Merged: true, MergeSHA: "m1"}
	if *pr != want {
		t.Errorf("pull request %+v; want %+v", *pr, want)
	}
	if _, err := c.PullRequest(context.Background(), 6); err == nil || !strings.Contains(err.Error(), "#6") {
		t.Errorf("missing pull request: %v", err)
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
	for _, team := range []string{"cab", "@octo/cab/../x", "@octo/c?b", "@/cab"} {
		if _, err := c.IsTeamMember(ctx, team, "alice"); err == nil {
			t.Errorf("team %q was accepted", team)
		}
	}
}

func TestCheckRunBatchesAnnotations(t *testing.T) {
	f, c := newFake(t)
	var anns []Annotation
	for i := 0; i < 120; i++ {
		anns = append(anns, Annotation{Path: "inventory/laptop/LT-1.yaml", StartLine: i + 1, Level: "failure", Title: "schema", Message: "bad"})
	}
	id, err := c.CheckRun(context.Background(), CheckRunSpec{Name: "estate change", HeadSHA: "abc", Conclusion: "failure",
		Title: "change gate failed", Summary: "summary", Annotations: anns})
	if err != nil || id == 0 {
		t.Fatal(id, err)
	}
	if len(f.runs) != 1 || len(f.updates) != 2 {
		t.Fatalf("%d creates, %d updates; want 1 and 2", len(f.runs), len(f.updates))
	}
	if f.runs[0]["conclusion"] != "failure" || f.runs[0]["status"] != "completed" || f.runs[0]["head_sha"] != "abc" ||
		f.runs[0]["completed_at"] != t0.UTC().Format(time.RFC3339) {
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
	// The add is one POST with {"labels": [...]} (the fake refuses a bare
	// array).
	if !slices.Contains(f.calls, "POST /repos/octo/estate/issues/7/labels") {
		t.Errorf("calls %v", f.calls)
	}
}

// TestLabelNamesAreEscaped: a label holding '#', '?', '/' or '%' is
// removed at its own path, not at the one its name breaks into.
func TestLabelNamesAreEscaped(t *testing.T) {
	f, c := newFake(t)
	f.labels = []string{"risk:low", "risk:low#2?x=1", "risk:a/b", "risk:100%", "other"}
	if err := c.SetLabels(context.Background(), 7, []string{"risk:"}, []string{"risk:low"}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.labels, ","); got != "risk:low,other" {
		t.Errorf("labels %s; want risk:low,other", got)
	}
	for _, want := range []string{
		"DELETE /repos/octo/estate/issues/7/labels/risk:low%232%3Fx=1",
		"DELETE /repos/octo/estate/issues/7/labels/risk:a%2Fb",
		"DELETE /repos/octo/estate/issues/7/labels/risk:100%25",
	} {
		if !slices.Contains(f.calls, want) {
			t.Errorf("no %s in %v", want, f.calls)
		}
	}
	// A label that is already gone is not an error.
	if err := c.RemoveLabel(context.Background(), 7, "risk:gone"); err != nil {
		t.Errorf("remove a missing label: %v", err)
	}
}

func TestLabelsArePaginated(t *testing.T) {
	f, c := newFake(t)
	for i := 0; i < 120; i++ {
		f.labels = append(f.labels, fmt.Sprintf("area:%03d", i))
	}
	// The stale risk label is on the second page.
	f.labels = append(f.labels, "risk:low")
	if err := c.SetLabels(context.Background(), 7, []string{"risk:"}, []string{"risk:high"}); err != nil {
		t.Fatal(err)
	}
	if contains(f.labels, "risk:low") || !contains(f.labels, "risk:high") || len(f.labels) != 121 {
		t.Errorf("labels %v", f.labels[len(f.labels)-3:])
	}
	ls, err := c.Labels(context.Background(), 7)
	if err != nil || len(ls) != 121 {
		t.Errorf("%d labels, %v", len(ls), err)
	}
}

func TestRetriesAServerError(t *testing.T) {
	f, c := newFake(t)
	f.fail, f.failStatus = 2, http.StatusBadGateway
	if _, err := c.Reviews(context.Background(), 7); err != nil {
		t.Fatalf("after two 502s: %v", err)
	}
	// The default backoff, doubled: no Retry-After was given.
	if !slices.Equal(c.waits, []time.Duration{time.Second, 2 * time.Second}) || len(f.calls) != 3 {
		t.Errorf("waits %v, calls %v", c.waits, f.calls)
	}
}

func TestRetriesAPOSTWithItsBody(t *testing.T) {
	f, c := newFake(t)
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

func TestRetryWaitsWhatGitHubAsks(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		header http.Header
		body   string
		want   time.Duration
	}{
		{"429 Retry-After", http.StatusTooManyRequests, http.Header{"Retry-After": {"7"}}, "", 7 * time.Second},
		{"403 Retry-After", http.StatusForbidden, http.Header{"Retry-After": {"12"}}, `{"message":"You have exceeded a secondary rate limit"}`, 12 * time.Second},
		{"403 Retry-After date", http.StatusForbidden, http.Header{"Retry-After": {t0.Add(9 * time.Second).UTC().Format(http.TimeFormat)}}, "", 9 * time.Second},
		{"403 primary limit", http.StatusForbidden, http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {strconv.FormatInt(t0.Add(30*time.Second).Unix(), 10)}},
			`{"message":"API rate limit exceeded"}`, 30 * time.Second},
		{"429 primary limit", http.StatusTooManyRequests, http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {strconv.FormatInt(t0.Add(45*time.Second).Unix(), 10)}},
			"", 45 * time.Second},
		{"403 secondary limit, no header", http.StatusForbidden, nil, `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}`, time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, c := newFake(t)
			f.fail, f.failStatus, f.failHeader, f.failBody = 1, tc.status, tc.header, tc.body
			rs, err := c.Reviews(context.Background(), 7)
			if err != nil || rs != nil {
				t.Fatalf("after one %d: %v %v", tc.status, rs, err)
			}
			if !slices.Equal(c.waits, []time.Duration{tc.want}) || len(f.calls) != 2 {
				t.Errorf("waits %v, %d calls; want [%v], 2", c.waits, len(f.calls), tc.want)
			}
		})
	}
}

func TestForbiddenIsNotRetried(t *testing.T) {
	f, c := newFake(t)
	f.fail, f.failStatus, f.failBody = 1, http.StatusForbidden, `{"message":"Resource not accessible by integration"}`
	_, err := c.Reviews(context.Background(), 7)
	if StatusCode(err) != http.StatusForbidden || len(c.waits) != 0 || len(f.calls) != 1 {
		t.Errorf("err %v, waits %v, calls %v", err, c.waits, f.calls)
	}
}

func TestRateLimitIsReportedNotPassed(t *testing.T) {
	f, c := newFake(t)
	f.fail, f.failStatus = 10, http.StatusForbidden
	f.failHeader = http.Header{
		"X-Ratelimit-Limit":     {"5000"},
		"X-Ratelimit-Remaining": {"0"},
		"X-Ratelimit-Reset":     {strconv.FormatInt(t0.Add(time.Hour).Unix(), 10)},
	}
	f.failBody = `{"message":"API rate limit exceeded for installation ID 1."}`
	_, err := c.Reviews(context.Background(), 7)
	var rl *RateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("err = %v (%T); want a *RateLimitError", err, err)
	}
	if !strings.Contains(err.Error(), "rate limit exceeded until") || !rl.Reset.Equal(t0.Add(time.Hour)) {
		t.Errorf("error %q, reset %v", err, rl.Reset)
	}
	// A reset an hour away is not waited for: one request, no waits.
	if len(f.calls) != 1 || len(c.waits) != 0 {
		t.Errorf("%d calls, waits %v; want 1 and none", len(f.calls), c.waits)
	}
}

func TestSecondaryRateLimitRetriesThenReports(t *testing.T) {
	f, c := newFake(t)
	f.fail, f.failStatus = 10, http.StatusTooManyRequests
	f.failHeader = http.Header{"Retry-After": {"2"}}
	_, err := c.Reviews(context.Background(), 7)
	var rl *RateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("err = %v (%T); want a *RateLimitError", err, err)
	}
	if len(f.calls) != 4 || !slices.Equal(c.waits, []time.Duration{2 * time.Second, 2 * time.Second, 2 * time.Second}) {
		t.Errorf("%d calls, waits %v; want 4 (1 + 3 retries) and 3×2s", len(f.calls), c.waits)
	}
}

func TestRetryStopsWithTheContext(t *testing.T) {
	f, c := newFake(t)
	f.fail, f.failStatus = 10, http.StatusBadGateway
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Reviews(ctx, 7); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v; want context.Canceled", err)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	for _, repo := range []string{"", "octo", "octo/", "/estate", "a/b/c", "o/r#x", "o/r?x", "o/..", "o%2F/r"} {
		if _, err := New(Config{Repository: repo}); err == nil {
			t.Errorf("repository %q accepted", repo)
		}
	}
	if _, err := New(Config{Repository: "o/r", BaseURL: "file:///etc/"}); err == nil {
		t.Error("a file: API URL was accepted")
	}
	if _, err := New(Config{Repository: "o/r", Identity: &Identity{}}); err == nil {
		t.Error("an empty identity was accepted")
	}
}

// fixtures is the shared folder of real GitHub webhook payloads, beside
// the repository; a test skips without it only outside CI.
func fixtures(t *testing.T) string {
	dir := filepath.Join("..", "..", "..", "shared", "fixtures", "github")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("fixtures missing in CI: %v", err)
		}
		t.Skip("shared fixtures not present")
	}
	return dir
}

// TestEventFixtures reads the payloads GitHub sends (octokit/webhooks
// examples in the shared fixtures): the shape of $GITHUB_EVENT_PATH.
func TestEventFixtures(t *testing.T) {
	dir := fixtures(t)
	files, err := filepath.Glob(filepath.Join(dir, "pull_request", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no pull_request payloads: %v", err)
	}
	files = append(files, filepath.Join(dir, "pull_request_review", "submitted.payload.json"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := ParseEvent(data)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		name := filepath.Base(file)
		want := strings.SplitN(name, ".", 2)[0]
		if ev.Action != want || ev.Number <= 0 || ev.Author == "" || len(ev.HeadSHA) != 40 || len(ev.BaseSHA) != 40 || ev.HeadRef == "" || ev.BaseRef == "" {
			t.Errorf("%s: %+v", name, ev)
		}
		if merged := strings.Contains(name, ".merged."); ev.Merged != merged || (merged && len(ev.MergeSHA) != 40) {
			t.Errorf("%s: merged %v, merge commit %q", name, ev.Merged, ev.MergeSHA)
		}
		if ev.Number == 2 && (ev.Author != "Codertocat" || ev.HeadRef != "changes" || ev.BaseRef != "master") {
			t.Errorf("%s: %+v", name, ev)
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
	body := marker + "\n" + strings.Repeat("| row é |\n", 20000)
	if _, err := c.UpsertComment(context.Background(), 7, marker, body); err != nil {
		t.Fatal(err)
	}
	got := f.comments[0]["body"].(string)
	if len(got) > 65536 || !strings.HasPrefix(got, marker) || !strings.Contains(got, "(truncated") || !utf8.ValidString(got) {
		t.Errorf("comment of %d bytes, valid UTF-8 %v", len(got), utf8.ValidString(got))
	}
}

func TestIssuesLifecycle(t *testing.T) {
	f, c := newFake(t)
	ctx := context.Background()
	is, err := c.CreateIssue(ctx, "LT-1 fails", "body <!-- m -->", []string{"estate:incident", "severity:high"}, nil)
	if err != nil || is.Number != 1 || is.State != "open" || is.Author.Login != "github-actions[bot]" {
		t.Fatalf("create: %+v %v", is, err)
	}
	if err := c.CloseIssue(ctx, 1, "verified fixed", IssueEdit{}); err != nil {
		t.Fatal(err)
	}
	if f.issues[0]["state"] != "closed" || f.issues[0]["state_reason"] != "completed" || len(f.comments) != 1 {
		t.Fatalf("close: %v, %d comments", f.issues[0], len(f.comments))
	}
	body := "new body"
	if err := c.ReopenIssue(ctx, 1, "failing again", IssueEdit{Body: &body}); err != nil {
		t.Fatal(err)
	}
	if f.issues[0]["state"] != "open" || f.issues[0]["body"] != body || len(f.comments) != 2 {
		t.Fatalf("reopen: %v", f.issues[0])
	}
	for i := 0; i < 150; i++ {
		if _, err := c.CreateIssue(ctx, fmt.Sprint("other ", i), "x", nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	all, err := c.Issues(ctx, "")
	if err != nil || len(all) != 151 {
		t.Fatalf("list all: %d %v", len(all), err)
	}
	mine, err := c.Issues(ctx, "estate:incident")
	if err != nil || len(mine) != 1 || mine[0].Labels[1] != "severity:high" {
		t.Fatalf("list by label: %+v %v", mine, err)
	}
	if !ActionsBot.Wrote(mine[0].Author) || ParseIdentity("mallory").Wrote(mine[0].Author) {
		t.Errorf("Wrote: %+v", mine[0].Author)
	}
}
