package archtest

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/estate-dev/estate/"

type pkg struct {
	ImportPath   string
	Dir          string
	GoFiles      []string
	Imports      []string
	TestImports  []string
	XTestImports []string
}

func packages(t *testing.T) []pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", "github.com/estate-dev/estate/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var ps []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	if len(ps) < 20 {
		t.Fatalf("go list found %d packages: the test would check nothing", len(ps))
	}
	return ps
}

func rel(p pkg) string { return strings.TrimPrefix(p.ImportPath, module) }

func under(path, dir string) bool { return path == dir || strings.HasPrefix(path, dir+"/") }

// TestImportRules: who may import what (see doc.go). Test files count
// too, but for the rule on the YAML parser.
func TestImportRules(t *testing.T) {
	rules := []struct {
		prefix string // an imported path, or its prefix
		only   []string
	}{
		{"github.com/go-git/", []string{"internal/gitrepo"}},
		{"github.com/google/go-github/", []string{"internal/github"}},
		{"github.com/spf13/cobra", []string{"internal/cli", "cmd/estate"}},
		{"github.com/parquet-go/", []string{"internal/factstore"}},
	}
	domain := []string{"internal/record", "internal/match", "internal/rules", "internal/audit", "internal/change", "internal/ledger", "internal/licence", "internal/forecast"}
	adapters := []string{"internal/gitrepo", "internal/github", "internal/facts", "internal/store", "internal/core", "internal/cli"}
	checked := 0
	for _, p := range packages(t) {
		name := rel(p)
		all := append(append(append([]string{}, p.Imports...), p.TestImports...), p.XTestImports...)
		for _, imp := range all {
			checked++
			for _, r := range rules {
				if !strings.HasPrefix(imp, r.prefix) {
					continue
				}
				ok := false
				for _, o := range r.only {
					ok = ok || under(name, o)
				}
				if !ok {
					t.Errorf("%s imports %s: only %s may", name, imp, strings.Join(r.only, ", "))
				}
			}
		}
		for _, d := range domain {
			if name != d { // subpackages (change/plan, ledger/ops) are capabilities
				continue
			}
			for _, imp := range p.Imports {
				for _, a := range adapters {
					if under(strings.TrimPrefix(imp, module), a) {
						t.Errorf("domain package %s imports the adapter %s", name, imp)
					}
				}
			}
		}
		if name == "internal/record" {
			for _, imp := range p.Imports {
				if strings.HasPrefix(imp, module) {
					t.Errorf("internal/record imports %s: the domain's types import nothing of estate's", imp)
				}
			}
		}
		if name == "internal/cli" {
			for _, imp := range p.Imports {
				if imp == "os/exec" || imp == "gopkg.in/yaml.v3" || imp == "net/http" || imp == module+"internal/gitrepo" || imp == module+"internal/github" {
					t.Errorf("internal/cli imports %s: it parses flags and prints; capability packages do the work", imp)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no import was checked")
	}
}

// TestYAMLParsedOnlyInLoad: yaml.Unmarshal and yaml.NewDecoder (parsing
// YAML) appear only under internal/load, but for the files that read a
// user's own option file, named here.
func TestYAMLParsedOnlyInLoad(t *testing.T) {
	allowed := map[string]string{
		"internal/snipeit/mapping.go": "the import's --map file is the user's, not the repository's",
	}
	found := 0
	for _, p := range packages(t) {
		name := rel(p)
		if under(name, "internal/load") {
			continue
		}
		for _, f := range p.GoFiles {
			path := filepath.Join(p.Dir, f)
			file, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			yamlName := ""
			for _, im := range file.Imports {
				if strings.Trim(im.Path.Value, `"`) == "gopkg.in/yaml.v3" {
					yamlName = "yaml"
					if im.Name != nil {
						yamlName = im.Name.Name
					}
				}
			}
			if yamlName == "" {
				continue
			}
			ast.Inspect(file, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == yamlName && (sel.Sel.Name == "Unmarshal" || sel.Sel.Name == "NewDecoder") {
					found++
					if _, ok := allowed[name+"/"+f]; !ok {
						t.Errorf("%s/%s parses YAML with yaml.%s: repository YAML is parsed only under internal/load (load.Parse)", name, f, sel.Sel.Name)
					}
				}
				return true
			})
		}
	}
	if found == 0 {
		t.Fatal("no use of the YAML parser found at all: the test looks in the wrong place")
	}
}

// TestCLIIsThin: internal/cli holds at most 2,000 lines of non-test Go
// (flags in, Options out, results printed by their capability package),
// no file over 300: the core issue's bar. The cap only comes down, as
// commands shed what is not flags.
func TestCLIIsThin(t *testing.T) {
	for _, p := range packages(t) {
		if rel(p) != "internal/cli" {
			continue
		}
		total := 0
		for _, f := range p.GoFiles {
			data, err := os.ReadFile(filepath.Join(p.Dir, f))
			if err != nil {
				t.Fatal(err)
			}
			n := strings.Count(string(data), "\n")
			if n > 300 {
				t.Errorf("internal/cli/%s has %d lines: over 300, it holds work a capability package should", f, n)
			}
			total += n
		}
		if total > 2000 {
			t.Errorf("internal/cli has %d lines of non-test Go: over 2,000", total)
		}
		return
	}
	t.Fatal("internal/cli not found")
}
