package htmlreport

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/estate-dev/estate/internal/htmlreport/chromiumtest"
)

// TestChromium opens the report of a synthetic estate (with hostile
// record text) in real headless Chromium: the DOM it builds has every
// section and the hostile text as text, no console message or blocked
// request is logged, and a screenshot is kept.
func TestChromium(t *testing.T) {
	bin := chromiumtest.Find(t)
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	if err := os.WriteFile(page, render(t, synthData(t, 2000)), 0o644); err != nil {
		t.Fatal(err)
	}
	url := "file://" + page

	dom, logs := chromiumtest.Run(t, bin, "--dump-dom", url)
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
		if chromiumtest.ConsoleLine.MatchString(l) {
			t.Errorf("chromium logged: %s", l)
		}
	}

	shot := filepath.Join(chromiumtest.Artifacts(t), "html-report.png")
	_, logs = chromiumtest.Run(t, bin, "--hide-scrollbars", "--window-size=1280,3000", "--screenshot="+shot, url)
	for _, l := range strings.Split(logs, "\n") {
		if chromiumtest.ConsoleLine.MatchString(l) {
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
