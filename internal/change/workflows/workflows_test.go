package workflows

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
	"gopkg.in/yaml.v3"
)

const root = "../../.."

func workflowFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, ".github", "workflows", "*.y*ml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no workflows found: %v", err)
	}
	// The templates in docs/workflows are held to the same rules.
	templates, err := filepath.Glob(filepath.Join(root, "docs", "workflows", "*.y*ml"))
	if err != nil || len(templates) == 0 {
		t.Fatalf("no workflow templates found in docs/workflows: %v", err)
	}
	return append(files, templates...)
}

// TestActionlint lints every workflow with actionlint.
func TestActionlint(t *testing.T) {
	l, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	errs, err := l.LintFiles(workflowFiles(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range errs {
		t.Errorf("%s:%d:%d: %s [%s]", e.Filepath, e.Line, e.Column, e.Message, e.Kind)
	}
}

var pinned = regexp.MustCompile(`^[^@\s]+@[0-9a-f]{40}$`)

// TestWorkflowRules: no pull_request_target, explicit permissions, and
// every action pinned by a full commit SHA (the composite action too).
func TestWorkflowRules(t *testing.T) {
	files := append(workflowFiles(t), filepath.Join(root, "action.yml"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := yaml.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		name := filepath.Base(f)
		if on, ok := doc["on"].(map[string]any); ok {
			if _, bad := on["pull_request_target"]; bad {
				t.Errorf("%s runs on pull_request_target", name)
			}
		}
		if name != "action.yml" {
			if _, ok := doc["permissions"]; !ok {
				t.Errorf("%s sets no top-level permissions", name)
			}
		}
		for _, m := range regexp.MustCompile(`(?m)^\s*(?:-\s+)?uses:\s*(\S+)`).FindAllStringSubmatch(string(data), -1) {
			if strings.HasPrefix(m[1], "./") {
				continue
			}
			if !pinned.MatchString(m[1]) {
				t.Errorf("%s: %s is not pinned by a full commit SHA", name, m[1])
			}
		}
	}
	pr, err := os.ReadFile(filepath.Join(root, ".github", "workflows", "pr.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"pull_request:", "pull_request_review:", "permissions: {}", "checks: write", "pull-requests: write", "change check", "persist-credentials: false"} {
		if !strings.Contains(string(pr), want) {
			t.Errorf("pr.yml lacks %q", want)
		}
	}
}
