package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/ledger/gitstore"
	"github.com/estate-dev/estate/internal/reports"
	"github.com/estate-dev/estate/internal/synth"
)

var reportNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func reportApp(dir string) (*App, *bytes.Buffer) {
	var errb bytes.Buffer
	return &App{dir: dir, Stdout: io.Discard, Stderr: &errb, Getenv: func(string) string { return "" },
		Now: func() time.Time { return reportNow }, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, &errb
}

func htmlReport(t testing.TB, app *App, asOf string) (string, error) {
	var b bytes.Buffer
	err := writeHTMLReport(context.Background(), app, reports.HTMLOptions{AsOf: asOf}, &b)
	return b.String(), err
}

func git(t *testing.T, dir string, env []string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// TestHTMLReportFromHistory builds a real git repository with two commits
// and a ledger (two audits, one change), then reports now and as of a
// date between them.
func TestHTMLReportFromHistory(t *testing.T) {
	needGit(t)
	dir := t.TempDir()
	if err := synth.Write(dir, synth.Generate(synth.Config{Assets: 200, Seed: 3, Now: reportNow})); err != nil {
		t.Fatal(err)
	}
	id := []string{"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.org"}
	at := func(day string) []string {
		return append(id, "GIT_AUTHOR_DATE="+day+"T10:00:00Z", "GIT_COMMITTER_DATE="+day+"T10:00:00Z")
	}
	git(t, dir, nil, "init", "-q", "-b", "main")
	git(t, dir, at("2026-10-01"), "add", ".")
	git(t, dir, at("2026-10-01"), "commit", "-q", "-m", "estate")
	if err := os.WriteFile(filepath.Join(dir, "changes", "CR-2026-0002.yaml"), []byte("apiVersion: estate/v1\nkind: ChangeRequest\n"+
		"id: CR-2026-0002\ntitle: Raise macOS\ntype: normal\nreason: CVE\nrisk: medium\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git(t, dir, at("2026-11-10"), "add", ".")
	git(t, dir, at("2026-11-10"), "commit", "-q", "-m", "CR-2026-0002 (#7)")

	repo, err := gitrepo.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	store := &gitstore.Store{Repo: repo, Ref: "refs/estate/ledger", Now: func() time.Time { return reportNow }}
	for _, e := range []*ledger.Entry{
		{Kind: ledger.KindAudit, Time: "2026-10-05T08:00:00Z", Audit: &ledger.Audit{Digest: "sha256:00", Findings: 9, Noncompliant: 3,
			Summary: map[string]int{"devices": 10, "compliant": 7, "non-compliant": 3}}},
		{Kind: ledger.KindChangeImplemented, Time: "2026-11-10T10:00:00Z", Change: "CR-2026-0002", Title: "<b>Raise</b> macOS",
			Type: "normal", Risk: "medium", PR: 7, Author: "jane", Approvers: []ledger.Approval{{By: "omar", At: "2026-11-09T10:00:00Z"}},
			Commits: &ledger.Commits{Merge: strings.Repeat("a", 40)}},
		{Kind: ledger.KindAudit, Time: "2026-11-15T08:00:00Z", Audit: &ledger.Audit{Digest: "sha256:01", Findings: 2, Noncompliant: 1,
			Summary: map[string]int{"devices": 12, "compliant": 11, "non-compliant": 1}}},
	} {
		if _, err := store.Append(context.Background(), func(*gitstore.Snapshot) (*ledger.Entry, error) { return e, nil }); err != nil {
			t.Fatal(err)
		}
	}

	app, _ := reportApp(dir)
	out, err := htmlReport(t, app, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"as of 2026-11-23", "working tree", "91.7%", "Compliance trend", "CR-2026-0002", "&lt;b&gt;Raise&lt;/b&gt; macOS",
		"#7", "omar", "from the ledger", "MS365-E3", "2026-08-25 to 2026-11-23"} {
		if !strings.Contains(out, want) {
			t.Errorf("report of now lacks %q", want)
		}
	}

	out, err = htmlReport(t, app, "2026-10-20")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"as of 2026-10-20", "commit ", "70.0%", "0 changes"} {
		if !strings.Contains(out, want) {
			t.Errorf("report as of 2026-10-20 lacks %q", want)
		}
	}
	if strings.Contains(out, "91.7%") || strings.Contains(out, "CR-2026-0002") {
		t.Error("report as of 2026-10-20 shows what came later")
	}

	if _, err := htmlReport(t, app, "2026-01-01"); !isExit(err, ExitUsage) {
		t.Errorf("as of before history: %v", err)
	}
	if _, err := htmlReport(t, app, "no-such-rev"); !isExit(err, ExitUsage) {
		t.Errorf("as of a bad revision: %v", err)
	}
}

// TestHTMLReportNoGit: outside git the report still renders, and says
// why there is no trend.
func TestHTMLReportNoGit(t *testing.T) {
	dir := t.TempDir()
	if err := synth.Write(dir, synth.Generate(synth.Config{Assets: 50, Seed: 1, Now: reportNow})); err != nil {
		t.Fatal(err)
	}
	app, _ := reportApp(dir)
	out, err := htmlReport(t, app, "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "Not a git repository") || !strings.Contains(out, "No audit is recorded") {
		t.Error("the report does not say why it has no trend")
	}
}

func isExit(err error, code int) bool {
	var ee *ExitError
	return errors.As(err, &ee) && ee.Code == code
}

// BenchmarkHTMLReport100k is the whole of estate report --format html on
// a 100,000-asset synthetic estate (no git): load, licences, forecast,
// render. ESTATE_BENCH_DIR reuses an estate written by estate synth.
func BenchmarkHTMLReport100k(b *testing.B) {
	dir := os.Getenv("ESTATE_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
		if err := synth.Write(dir, synth.Generate(synth.Config{Assets: 100_000, Seed: 1, Now: reportNow})); err != nil {
			b.Fatal(err)
		}
	}
	app, _ := reportApp(dir)
	b.ResetTimer()
	var size int
	for b.Loop() {
		out, err := htmlReport(b, app, "")
		if err != nil {
			b.Fatal(err)
		}
		size = len(out)
	}
	b.ReportMetric(float64(size), "bytes")
}
