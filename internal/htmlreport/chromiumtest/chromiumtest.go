// Package chromiumtest runs real headless Chromium for the tests of the
// pages estate writes (the HTML report, the evidence pack): find it, run
// it with the flags a closed network needs, keep screenshots for CI, and
// recognise what Chromium logs for a console message or a blocked or
// failed request.
package chromiumtest

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// Find finds Debian's chromium (or Chrome), skipping when there is none
// outside CI; under CI=true its absence is a failure.
func Find(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed (CI=true): .ci/run installs it")
	}
	t.Skip("chromium is not installed")
	return ""
}

// Run runs bin headless with args, in a new profile and home, logging to
// stderr; a run over 90 s or a failure ends the test.
func Run(t *testing.T, bin string, args ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--no-first-run", "--disable-dev-shm-usage", "--user-data-dir=" + t.TempDir(), "--enable-logging=stderr", "--v=0"}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	if err := cmd.Run(); err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			t.Fatalf("chromium did not finish in 90 s: %s", errb.String())
		}
		t.Fatalf("chromium %v: %v\n%s", args, err, errb.String())
	}
	return out.String(), errb.String()
}

// Artifacts is where screenshots are kept: $ESTATE_ARTIFACTS, or under CI
// $TMPDIR/estate-artifacts (for the CI to upload), else a test folder.
func Artifacts(t *testing.T) string {
	dir := os.Getenv("ESTATE_ARTIFACTS")
	if dir == "" && os.Getenv("CI") == "true" {
		dir = filepath.Join(os.TempDir(), "estate-artifacts")
	}
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// ConsoleLine matches what Chromium logs for a console message, a request
// the Content Security Policy blocked, or a failed load.
var ConsoleLine = regexp.MustCompile(`(?i)(CONSOLE|Refused to|Content Security Policy|net::ERR_|Uncaught)`)
