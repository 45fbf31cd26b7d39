package github

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestOnlyThisPackageImportsGoGitHub: go-github is imported here and
// nowhere else in the module (tests included), so that one client holds
// the retries, rate limits and pagination every caller relies on.
func TestOnlyThisPackageImportsGoGitHub(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("go not found in CI")
		}
		t.Skip("go not in PATH")
	}
	cmd := exec.Command(goBin, "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}{{range .TestImports}} {{.}}{{end}}{{range .XTestImports}} {{.}}{{end}}`, "./...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const self = "github.com/estate-dev/estate/internal/github"
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, " ")
		n++
		for _, imp := range strings.Fields(imports) {
			if strings.HasPrefix(imp, "github.com/google/go-github/") && pkg != self {
				t.Errorf("%s imports %s: only %s may", pkg, imp, self)
			}
		}
	}
	if n < 10 {
		t.Errorf("go list named %d packages; the check read nothing", n)
	}
}
