package evidence

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/estate-dev/estate/internal/htmlreport/chromiumtest"
)

// TestChromiumOpensThePack opens two packs (one evidence, one with gaps
// and hostile text in its change request) in real headless Chromium: the
// DOM has every section, the hostile text stays text, and Chromium logs
// no console message and no blocked or failed request.
func TestChromiumOpensThePack(t *testing.T) {
	bin := chromiumtest.Find(t)
	w := newWorld(t)
	w.change(true, true)
	w.change(false, false)
	w.audit()
	res := run(t, Options{Dir: w.dir, Sample: 5, Period: "2026-Q3"})
	if len(res.Packs) != 2 || !res.Packs[0].Evidenced || res.Packs[1].Evidenced {
		t.Fatalf("packs: %d, evidenced %v", len(res.Packs), []bool{res.Packs[0].Evidenced, res.Packs[1].Evidenced})
	}
	dir := t.TempDir()
	written, err := Write(dir, res.Packs)
	if err != nil {
		t.Fatal(err)
	}
	for i, wr := range written {
		dom, logs := chromiumtest.Run(t, bin, "--dump-dom", "file://"+wr.HTML)
		for _, want := range []string{`id="controls"`, `id="request"`, `id="plan"`, `id="approvals"`, `id="implementation"`, `id="verification"`,
			`id="chain"`, `id="baselines"`, `id="inventory"`, "CM-2(3)", "&lt;script&gt;alert(1)&lt;/script&gt;"} {
			if !strings.Contains(dom, want) {
				t.Errorf("%s: the rendered DOM lacks %q", filepath.Base(wr.HTML), want)
			}
		}
		if strings.Contains(strings.ToLower(dom), "<script") || strings.Contains(dom, "<img") {
			t.Errorf("%s: the rendered DOM has a script or an image", filepath.Base(wr.HTML))
		}
		if gaps := strings.Contains(dom, "Not evidence: this change has gaps"); gaps != (i == 1) {
			t.Errorf("%s: says it has gaps: %v", filepath.Base(wr.HTML), gaps)
		}
		for _, l := range strings.Split(logs, "\n") {
			if chromiumtest.ConsoleLine.MatchString(l) {
				t.Errorf("%s: chromium logged: %s", filepath.Base(wr.HTML), l)
			}
		}
	}
	// A screenshot of the pack with gaps, kept for the CI to upload.
	shot := filepath.Join(chromiumtest.Artifacts(t), "evidence-pack.png")
	_, logs := chromiumtest.Run(t, bin, "--hide-scrollbars", "--window-size=1280,2600", "--screenshot="+shot, "file://"+written[1].HTML)
	for _, l := range strings.Split(logs, "\n") {
		if chromiumtest.ConsoleLine.MatchString(l) {
			t.Errorf("chromium logged: %s", l)
		}
	}
	if png, err := os.ReadFile(shot); err != nil || !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) || len(png) < 10_000 {
		t.Errorf("no plausible screenshot at %s (%d bytes): %v", shot, len(png), err)
	}

	// The check can fail: a page that fetches something is caught.
	bad := filepath.Join(dir, "bad.html")
	page, _ := os.ReadFile(written[0].HTML)
	os.WriteFile(bad, bytes.Replace(page, []byte("</main>"), []byte(`<img src="http://127.0.0.1:9/x.png"></main>`), 1), 0o644)
	_, logs = chromiumtest.Run(t, bin, "--dump-dom", "file://"+bad)
	if !chromiumtest.ConsoleLine.MatchString(logs) {
		t.Error("chromium logged nothing for a page that fetches an image: the check above checks nothing")
	}
}
