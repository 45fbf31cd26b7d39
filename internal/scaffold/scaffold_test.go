package scaffold

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/validate"
)

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func files(t *testing.T, at time.Time) []File {
	t.Helper()
	fs, err := Files(at, "v9.9.9")
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// tree lists every path under dir (folders with a trailing slash) with
// the contents of each file.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		switch {
		case d.IsDir():
			out[rel+"/"] = ""
		case d.Type()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			out[rel] = "-> " + target
		default:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[rel] = string(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestFilesHaveEveryPart(t *testing.T) {
	var paths []string
	for _, f := range files(t, now) {
		paths = append(paths, f.Path)
		if bytes.Contains(f.Data, []byte("{{")) {
			t.Errorf("%s: a placeholder was left unreplaced", f.Path)
		}
	}
	want := []string{
		".github/workflows/estate.yml", "README.md", "changes/CR-0001.yaml", "estate.yaml",
		"inventory/laptop/LT-00001.yaml", "inventory/licences/MS365-E3.yaml", "inventory/locations/HQ.yaml",
		"policies/baselines/euc-macos.yaml", "policies/change-control.yaml", "schema/org.cue",
	}
	if strings.Join(paths, "\n") != strings.Join(want, "\n") {
		t.Fatalf("scaffold files:\n%s\nwant:\n%s", strings.Join(paths, "\n"), strings.Join(want, "\n"))
	}
}

// The scaffold validates clean, in any year (its dates follow the clock).
func TestScaffoldValidatesClean(t *testing.T) {
	for _, at := range []time.Time{now, time.Date(2031, 12, 31, 23, 0, 0, 0, time.UTC)} {
		t.Run(at.Format("2006"), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "estate")
			written, err := Write(dir, files(t, at))
			if err != nil {
				t.Fatal(err)
			}
			if len(written) != 10 {
				t.Errorf("wrote %d files, want 10", len(written))
			}
			d, err := load.OpenDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			res, err := validate.Run(context.Background(), validate.Options{Tree: d, Now: at})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range res.Findings {
				t.Errorf("%s: %s: %s [%s]", f.Pos, f.Severity, f.Message, f.Rule)
			}
			e := res.Estate
			if e.Settings == nil || e.Policy == nil || len(e.Assets) != 1 || len(e.Licences) != 1 ||
				len(e.Locations) != 1 || len(e.Baselines) != 1 || len(e.Changes) != 1 {
				t.Errorf("want one record of each kind, got settings=%v policy=%v assets=%d licences=%d locations=%d baselines=%d changes=%d",
					e.Settings != nil, e.Policy != nil, len(e.Assets), len(e.Licences), len(e.Locations), len(e.Baselines), len(e.Changes))
			}
		})
	}
}

// The organisation schema is live: an asset id it refuses is reported.
func TestOrgSchemaApplies(t *testing.T) {
	dir := t.TempDir()
	if _, err := Write(dir, files(t, now)); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "inventory/laptop/LT-00001.yaml")
	b, _ := os.ReadFile(p)
	if err := os.WriteFile(filepath.Join(dir, "inventory/laptop/LT-1.yaml"), bytes.Replace(b, []byte("id: LT-00001"), []byte("id: LT-1"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	d, err := load.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	res, err := validate.Load(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range res.Findings {
		found = found || (f.Pos.File == "inventory/laptop/LT-1.yaml" && strings.Contains(f.Message, `^[A-Z]{2}-[0-9]{5}$`))
	}
	if !found {
		t.Errorf("schema/org.cue's id pattern did not apply; findings: %+v", res.Findings)
	}
}

// A disjunction that schema/org.cue adds to a built-in field (here
// #Currency & ("GBP" | "EUR")) is explained in words, with the choices.
func TestOrgSchemaDisjunction(t *testing.T) {
	dir := t.TempDir()
	if _, err := Write(dir, files(t, now)); err != nil {
		t.Fatal(err)
	}
	org := filepath.Join(dir, "schema", "org.cue")
	b, _ := os.ReadFile(org)
	b = append(b, "#Asset: purchase: {cost: #Money, currency: \"GBP\" | \"EUR\"}\n"...)
	if err := os.WriteFile(org, b, 0o644); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "inventory/laptop/LT-00001.yaml")
	b, _ = os.ReadFile(p)
	if err := os.WriteFile(p, bytes.Replace(b, []byte("currency: GBP"), []byte("currency: USD"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := load.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	res, err := validate.Load(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1 {
		t.Fatalf("want one finding, got %+v", res.Findings)
	}
	f := res.Findings[0]
	if f.Message != `purchase.currency: "USD" is not allowed` || f.Hint != `one of: "GBP", "EUR"` || f.Pos.Line != 18 {
		t.Errorf("got %s: %s (hint %q)", f.Pos, f.Message, f.Hint)
	}
}

func TestWriteIntoFolderWithOtherFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("keep me\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "inventory", "laptop"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(dir, files(t, now)); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "notes.txt")); string(b) != "keep me\n" {
		t.Errorf("notes.txt changed: %q", b)
	}
}

func TestWriteRefusesAndWritesNothing(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "README.md"), []byte("# mine\n"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "changes"), []byte("a file where a folder goes\n"), 0o644))
	must(os.Symlink(outside, filepath.Join(dir, "policies")))
	must(os.MkdirAll(filepath.Join(dir, "inventory", "locations", "HQ.yaml"), 0o755))
	before, beforeOutside := tree(t, dir), tree(t, outside)

	_, err := Write(dir, files(t, now))
	var ce *ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("want a ConflictError, got %v", err)
	}
	var got []string
	for _, c := range ce.Conflicts {
		got = append(got, c.Path+": "+c.Reason)
	}
	sort.Strings(got)
	want := []string{
		"README.md: already exists",
		"changes: exists and is not a folder",
		"inventory/locations/HQ.yaml: already exists (a folder)",
		"policies: is a symbolic link; estate init writes only into real folders",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("conflicts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(err.Error(), "4 paths of the new estate already taken in "+dir+", nothing written:\n  README.md: already exists") {
		t.Errorf("error text: %v", err)
	}
	after, afterOutside := tree(t, dir), tree(t, outside)
	if len(after) != len(before) || len(afterOutside) != len(beforeOutside) {
		t.Errorf("files changed:\nbefore %v\nafter  %v\noutside before %v after %v", before, after, beforeOutside, afterOutside)
	}
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s changed", k)
		}
	}
}

func TestWriteIntoAFileIsAnError(t *testing.T) {
	p := filepath.Join(t.TempDir(), "plain")
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(p, files(t, now)); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Fatalf("want a not-a-directory error, got %v", err)
	}
}

// A write that fails part way (here: the same path twice, which the check
// cannot see) leaves the folder as it was.
func TestWriteUndoesAFailedWrite(t *testing.T) {
	dir := t.TempDir()
	fs := []File{{Path: "a/b/one.yaml", Data: []byte("1")}, {Path: "c/two.yaml", Data: []byte("2")}, {Path: "a/b/one.yaml", Data: []byte("again")}}
	_, err := Write(dir, fs)
	if err == nil || !strings.Contains(err.Error(), "create a/b/one.yaml") {
		t.Fatalf("want a create error, got %v", err)
	}
	if got := tree(t, dir); len(got) != 1 { // only "./"
		t.Errorf("left behind: %v", got)
	}
}

// The CI workflow stub: read-only token, actions pinned by full commit
// SHA, and it runs estate validate with GitHub annotations. actionlint, when
// installed, checks the rest.
func TestWorkflowStub(t *testing.T) {
	var data []byte
	for _, f := range files(t, now) {
		if f.Path == ".github/workflows/estate.yml" {
			data = f.Data
		}
	}
	var wf struct {
		On          map[string]any    `yaml:"on"`
		Permissions map[string]string `yaml:"permissions"`
		Jobs        map[string]struct {
			Env   map[string]string
			Steps []map[string]any
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatal(err)
	}
	if _, ok := wf.On["pull_request"]; !ok {
		t.Error("the workflow does not run on pull_request")
	}
	if len(wf.Permissions) != 1 || wf.Permissions["contents"] != "read" {
		t.Errorf("permissions = %v, want contents: read only", wf.Permissions)
	}
	pinned := regexp.MustCompile(`^[\w.-]+/[\w.-]+@[0-9a-f]{40}$`)
	validates := false
	for name, j := range wf.Jobs {
		// The estate that ran init is the one the workflow installs.
		if v := j.Env["ESTATE_VERSION"]; v != "v9.9.9" {
			t.Errorf("job %s installs estate %q, want the pinned v9.9.9", name, v)
		}
		for _, s := range j.Steps {
			if u, ok := s["uses"].(string); ok && !pinned.MatchString(u) {
				t.Errorf("action %s is not pinned by a full commit SHA", u)
			}
			if r, ok := s["run"].(string); ok && strings.Contains(r, "estate validate --format github") {
				validates = true
			}
		}
	}
	if !validates {
		t.Error("no step runs estate validate --format github")
	}

	bin, err := exec.LookPath("actionlint")
	if err != nil {
		if gp, e := exec.Command("go", "env", "GOPATH").Output(); e == nil {
			if p := filepath.Join(strings.TrimSpace(string(gp)), "bin", "actionlint"); fileExists(p) {
				bin, err = p, nil
			}
		}
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("actionlint is not installed, and CI=true needs it")
		}
		t.Log("actionlint is not installed; checked the workflow's shape only")
		return
	}
	dir := t.TempDir()
	p := filepath.Join(dir, ".github", "workflows", "estate.yml")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-no-color", p)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("actionlint: %v\n%s", err, out)
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
