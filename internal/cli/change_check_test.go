package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestChangeCheckNoTokenUnderActions: in GitHub Actions, a pull-request
// event without GITHUB_TOKEN exits 3 and says why; outside Actions the
// same run is only a local preview (TestChangeCheckGate, change_check.txtar).
func TestChangeCheckNoTokenUnderActions(t *testing.T) {
	ev := filepath.Join(t.TempDir(), "event.json")
	payload := `{"action":"opened","pull_request":{"number":3,"title":"x","user":{"login":"u"},
 "head":{"sha":"1111111111111111111111111111111111111111","ref":"x"},"base":{"sha":"2222222222222222222222222222222222222222","ref":"main"}}}`
	if err := os.WriteFile(ev, []byte(payload), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_EVENT_PATH": ev, "GITHUB_REPOSITORY": "octo/estate"}
	var out, errb bytes.Buffer
	app := &App{Args: []string{"--repo", t.TempDir(), "change", "check"}, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string { return env[k] }, Now: func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) }}
	code := Main(app)
	errs := errb.String()
	if code != ExitFailure || !strings.Contains(errs, "GITHUB_TOKEN is not set") || !strings.Contains(errs, "permissions:") ||
		!strings.Contains(errs, "GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}") || out.Len() != 0 {
		t.Errorf("exit %d; want %d\n%s%s", code, ExitFailure, out.String(), errs)
	}
}
