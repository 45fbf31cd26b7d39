package gitrepo

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// TestOnlyGitrepoImportsGoGit: no package outside internal/gitrepo
// imports go-git (github.com/go-git/...), in its code or its tests.
func TestOnlyGitrepoImportsGoGit(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not installed")
	}
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports,TestImports,XTestImports", "github.com/estate-dev/estate/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const own = "github.com/estate-dev/estate/internal/gitrepo"
	dec := json.NewDecoder(strings.NewReader(string(out)))
	n := 0
	for {
		var p struct {
			ImportPath                         string
			Imports, TestImports, XTestImports []string
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		n++
		if p.ImportPath == own || strings.HasPrefix(p.ImportPath, own+"/") {
			continue
		}
		for _, imp := range append(append(p.Imports, p.TestImports...), p.XTestImports...) {
			if strings.HasPrefix(imp, "github.com/go-git/") {
				t.Errorf("%s imports %s: only internal/gitrepo may", p.ImportPath, imp)
			}
		}
	}
	if n < 10 {
		t.Fatalf("go list listed %d packages", n)
	}
}
