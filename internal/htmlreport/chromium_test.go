package htmlreport

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// chromium finds Debian's chromium (or Chrome), skipping when there is
// none outside CI; under CI=true its absence is a failure.
func chromium(t *testing.T) string {
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

// artifacts is where the screenshot is kept: $ESTATE_ARTIFACTS, or under
// CI $TMPDIR/estate-artifacts (for the CI to upload), else a test folder.
func artifacts(t *testing.T) string {
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

func runChromium(t *testing.T, bin string, args ...string) (stdout, stderr string) {
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

// consoleLine matches what Chromium logs for a console message, a blocked
// request (CSP) or a failed load.
var consoleLine = regexp.MustCompile(`(?i)(CONSOLE|Refused to|Content Security Policy|net::ERR_|Uncaught)`)

// TestChromium opens the report of a synthetic estate (with hostile
// record text) in real headless Chromium: the DOM it builds has every
// section and the hostile text as text, no console message or blocked
// request is logged, and a screenshot is kept.
func TestChromium(t *testing.T) {
	bin := chromium(t)
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	if err := os.WriteFile(page, render(t, synthData(t, 2000)), 0o644); err != nil {
		t.Fatal(err)
	}
	url := "file://" + page

	dom, logs := runChromium(t, bin, "--dump-dom", url)
	for _, want := range []string{`id="compliance"`, `id="inventory"`, `id="licences"`, `id="forecast"`, `id="changes"`, `id="commentary"`, "Compliance trend by month", "<svg", "MS365-E3",
		"&lt;script&gt;alert(1)&lt;/script&gt;"} {
		if !strings.Contains(dom, want) {
			t.Errorf("the rendered DOM lacks %q", want)
		}
	}
	if strings.Contains(strings.ToLower(dom), "<script") || strings.Contains(dom, "<img") {
		t.Error("the rendered DOM has a script or an image: hostile text got through")
	}
	for _, l := range strings.Split(logs, "\n") {
		if consoleLine.MatchString(l) {
			t.Errorf("chromium logged: %s", l)
		}
	}

	shot := filepath.Join(artifacts(t), "html-report.png")
	_, logs = runChromium(t, bin, "--hide-scrollbars", "--window-size=1280,3000", "--screenshot="+shot, url)
	for _, l := range strings.Split(logs, "\n") {
		if consoleLine.MatchString(l) {
			t.Errorf("chromium logged: %s", l)
		}
	}
	png, err := os.ReadFile(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) || len(png) < 10_000 {
		t.Fatalf("the screenshot is not a plausible PNG (%d bytes)", len(png))
	}
	t.Logf("screenshot: %s (%d bytes)", shot, len(png))
}
