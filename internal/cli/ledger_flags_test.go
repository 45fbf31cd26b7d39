package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/ledger/ops"
	"github.com/estate-dev/estate/internal/record"
)

// flagApp is an App for flag tests: a fixed clock and environment.
func ledgerFlagApp(env map[string]string) *App {
	return &App{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string { return env[k] },
		Now: func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) }}
}

// execFlags runs cmd with args (its runF records whether it ran).
func execFlags(t *testing.T, cmd *cobra.Command, args ...string) error {
	t.Helper()
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	return cmd.ExecuteContext(context.Background())
}

func TestLedgerRecordFlags(t *testing.T) {
	var got *ledgerRecordOptions
	capture := func(_ context.Context, _ *App, o *ledgerRecordOptions) error { got = o; return nil }

	err := execFlags(t, newLedgerRecordCmd(ledgerFlagApp(nil), capture), "--rev", "main~1", "--ref", "refs/estate/trail", "--pr", "42",
		"--approved-by", "jane@example.org@2026-11-20T11:00:00+01:00", "--approved-by", "bob@2026-11-20T11:30:00Z", "--push", "origin", "--format", "json")
	if err != nil || got == nil {
		t.Fatalf("record: %v", err)
	}
	want := []ledger.Approval{{By: "jane@example.org", At: "2026-11-20T10:00:00Z"}, {By: "bob", At: "2026-11-20T11:30:00Z"}}
	if got.Rev != "main~1" || got.Ref != "refs/estate/trail" || got.PR != 42 || got.Format != "json" || got.Push != "origin" ||
		got.Dir != "." || !reflect.DeepEqual(got.Approvals, want) || got.Now == nil {
		t.Errorf("options: %+v", got)
	}
	if got.Reviews != nil {
		t.Error("without GITHUB_TOKEN, record must not ask GitHub")
	}

	got = nil
	if err := execFlags(t, newLedgerRecordCmd(ledgerFlagApp(map[string]string{"GITHUB_TOKEN": "tok"}), capture)); err != nil || got == nil {
		t.Fatalf("record (defaults): %v", err)
	}
	if got.Rev != "HEAD" || got.Ref != "" || got.PR != 0 || got.Format != "text" || got.Push != "" || got.Approvals != nil || got.Reviews == nil {
		t.Errorf("default options: %+v (reviews set: %v)", got, got.Reviews != nil)
	}

	for _, args := range [][]string{{"--approved-by", "bob"}, {"--approved-by", "bob@yesterday"}, {"--format", "sarif"}, {"extra"}} {
		got = nil
		if err := execFlags(t, newLedgerRecordCmd(ledgerFlagApp(nil), capture), args...); err == nil || got != nil {
			t.Errorf("record %v: err %v, ran %v; want a usage error before running", args, err, got != nil)
		}
	}
}

func TestLedgerRecordAuditFlags(t *testing.T) {
	var got *ledgerAuditOptions
	capture := func(_ context.Context, _ *App, o *ledgerAuditOptions) error { got = o; return nil }
	app := ledgerFlagApp(nil)
	err := execFlags(t, newLedgerRecordAuditCmd(app, capture), "audit.json", "--rev", "v1", "--ref", "refs/x", "--time", "2026-11-02T05:17:00Z", "--push", "up", "--format", "json")
	if err != nil || got == nil {
		t.Fatalf("record-audit: %v", err)
	}
	if got.File != "audit.json" || got.Rev != "v1" || got.Ref != "refs/x" || got.At != "2026-11-02T05:17:00Z" || got.Push != "up" || got.Format != "json" ||
		got.Stdin != app.Stdin || got.Dir != "." {
		t.Errorf("options: %+v", got)
	}
	got = nil
	if err := execFlags(t, newLedgerRecordAuditCmd(app, capture), "-"); err != nil || got.File != "-" || got.Rev != "HEAD" || got.Format != "text" {
		t.Errorf("record-audit -: %+v, %v", got, err)
	}
	for _, args := range [][]string{{}, {"a.json", "b.json"}, {"a.json", "--format", "csv"}} {
		got = nil
		if err := execFlags(t, newLedgerRecordAuditCmd(app, capture), args...); err == nil || got != nil {
			t.Errorf("record-audit %v: err %v, ran %v", args, err, got != nil)
		}
	}
}

func TestLedgerVerifyFlags(t *testing.T) {
	var got *ledgerVerifyOptions
	capture := func(_ context.Context, _ *App, o *ledgerVerifyOptions) error { got = o; return nil }
	app := ledgerFlagApp(nil)
	err := execFlags(t, newLedgerVerifyCmd(app, capture), "--branch", "trunk", "--ref", "refs/x", "--require-signed", "--allowed-keys", "keys.asc",
		"--format", "sarif", "--fail-on", "high")
	if err != nil || got == nil {
		t.Fatalf("verify: %v", err)
	}
	want := ops.VerifyOptions{Dir: ".", Branch: "trunk", Ref: "refs/x", RequireSigned: true, AllowedKeys: "keys.asc", Now: app.Now()}
	if got.VerifyOptions != want || got.Format != "sarif" || got.FailOn != record.SevHigh {
		t.Errorf("options: %+v", got)
	}
	got = nil
	if err := execFlags(t, newLedgerVerifyCmd(app, capture)); err != nil || got.Format != "text" || got.FailOn != record.SevLow || got.RequireSigned {
		t.Errorf("verify (defaults): %+v, %v", got, err)
	}
	got = nil
	if err := execFlags(t, newLedgerVerifyCmd(app, capture), "--fail-on", "never"); err != nil || got.FailOn != 0 {
		t.Errorf("--fail-on never: %+v, %v", got, err)
	}
	for _, args := range [][]string{{"--require-signed"}, {"--format", "csv"}, {"--fail-on", "loud"}, {"main"}} {
		got = nil
		err := execFlags(t, newLedgerVerifyCmd(app, capture), args...)
		var ee *ExitError
		if err == nil || got != nil || (errors.As(err, &ee) && ee.Code != ExitUsage) {
			t.Errorf("verify %v: err %v, ran %v", args, err, got != nil)
		}
	}
}

func TestLedgerShowFlags(t *testing.T) {
	var got *ledgerShowOptions
	capture := func(_ context.Context, _ *App, o *ledgerShowOptions) error { got = o; return nil }
	app := ledgerFlagApp(nil)
	if err := execFlags(t, newLedgerShowCmd(app, capture), "3", "12", "--ref", "refs/x", "--allow-empty", "--format", "json"); err != nil || got == nil {
		t.Fatalf("show: %v", err)
	}
	want := ops.ShowOptions{Dir: ".", Ref: "refs/x", Seqs: []int64{3, 12}, AllowEmpty: true}
	if !reflect.DeepEqual(got.ShowOptions, want) || got.Format != "json" {
		t.Errorf("options: %+v", got)
	}
	got = nil
	if err := execFlags(t, newLedgerShowCmd(app, capture)); err != nil || got.AllowEmpty || got.Seqs != nil || got.Format != "text" {
		t.Errorf("show (defaults): %+v, %v", got, err)
	}
	for _, args := range [][]string{{"0"}, {"x"}, {"--format", "csv"}} {
		got = nil
		if err := execFlags(t, newLedgerShowCmd(app, capture), args...); err == nil || got != nil {
			t.Errorf("show %v: err %v, ran %v", args, err, got != nil)
		}
	}
}

// TestLedgerShowExitCodes: no ledger, and a branch named as the ledger,
// are input errors (exit 2), with nothing on stdout.
func TestLedgerShowExitCodes(t *testing.T) {
	needGit(t)
	dir := t.TempDir()
	env := []string{"GIT_AUTHOR_NAME=Alice", "GIT_AUTHOR_EMAIL=alice@example.org", "GIT_COMMITTER_NAME=Alice", "GIT_COMMITTER_EMAIL=alice@example.org"}
	git(t, dir, env, "init", "-q", "-b", "main")
	git(t, dir, env, "commit", "-q", "--allow-empty", "-m", "Import the estate")
	for _, args := range [][]string{{"ledger", "show"}, {"ledger", "show", "--ref", "refs/heads/main"}} {
		var stdout, stderr bytes.Buffer
		app := ledgerFlagApp(nil)
		app.Stdout, app.Stderr, app.Args = &stdout, &stderr, append([]string{"-C", dir}, args...)
		if code := Main(app); code != ExitUsage || stdout.Len() > 0 || !strings.Contains(stderr.String(), "estate: hint: ") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 with a hint", args, code, stdout.String(), stderr.String())
		}
	}
	var stdout bytes.Buffer
	app := ledgerFlagApp(nil)
	app.Stdout, app.Args = &stdout, []string{"-C", dir, "ledger", "show", "--allow-empty", "--format", "json"}
	if code := Main(app); code != ExitOK || stdout.String() != "[]\n" {
		t.Errorf("show --allow-empty: exit %d, %q", code, stdout.String())
	}
}
