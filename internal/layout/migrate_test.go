package layout

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/gitrepo/gittest"
)

func asset(id string) string {
	return "apiVersion: estate/v1\nkind: Asset\nid: " + id + "\nclass: monitor\nstatus: in-stock\nserial: S-" + id + "\n"
}

// estate makes a git repository of files, committed, and sets the
// identity git commit (run by Migrate) uses.
func estate(t *testing.T, files map[string]string) string {
	t.Helper()
	gittest.NeedCLI(t)
	for k, v := range map[string]string{"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
		"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.DevNull} {
		t.Setenv(k, v)
	}
	dir := t.TempDir()
	for p, data := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gittest.CLI(t, dir, "init", "-q", "-b", "main")
	gittest.CLI(t, dir, "add", "-A")
	gittest.CLI(t, dir, "commit", "-q", "-m", "import")
	return dir
}

// Every change of the migration commit is a rename of the same blob, and
// estate.yaml gains layout.prefix in the same commit.
func TestMigrateIsOneCommitOfRenames(t *testing.T) {
	dir := estate(t, map[string]string{
		"estate.yaml":                           "apiVersion: estate/v1\nkind: Settings\n",
		"inventory/monitor/MN-00001.yaml":       asset("MN-00001"),
		"inventory/monitor/MN-00002.yaml":       asset("MN-00002"),
		"inventory/monitor/MN-01/MN-01003.yaml": asset("MN-01003"), // already where prefix 5 files it
	})
	before := gittest.CLI(t, dir, "rev-parse", "HEAD")
	rep, err := Migrate(context.Background(), Options{Dir: dir, Prefix: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Moves) != 2 || !rep.Settings || rep.Commit == "" {
		t.Fatalf("report %+v: want 2 moves, estate.yaml changed, a commit", rep)
	}
	if parent := gittest.CLI(t, dir, "rev-parse", "HEAD~1"); parent != before {
		t.Fatalf("the migration is not one commit on top of %s (HEAD~1 is %s)", before, parent)
	}
	got := gittest.CLI(t, dir, "diff", "--name-status", "-M100%", "HEAD~1", "HEAD")
	want := "M\testate.yaml\nR100\tinventory/monitor/MN-00001.yaml\tinventory/monitor/MN-00/MN-00001.yaml\n" +
		"R100\tinventory/monitor/MN-00002.yaml\tinventory/monitor/MN-00/MN-00002.yaml"
	if got != want {
		t.Errorf("the commit's changes:\n%s\nwant:\n%s", got, want)
	}
	if s := gittest.CLI(t, dir, "status", "--porcelain"); s != "" {
		t.Errorf("the working tree differs from the commit:\n%s", s)
	}
	if s := gittest.CLI(t, dir, "show", "HEAD:estate.yaml"); !strings.HasSuffix(s, "layout:\n  prefix: 5") {
		t.Errorf("estate.yaml at HEAD:\n%s", s)
	}
}

// A move onto a file that exists, and a dirty tree, are refused with
// nothing changed.
func TestMigrateRefuses(t *testing.T) {
	files := map[string]string{
		"estate.yaml":                           "apiVersion: estate/v1\nkind: Settings\n",
		"inventory/monitor/MN-00001.yaml":       asset("MN-00001"),
		"inventory/monitor/MN-00/MN-00001.yaml": asset("MN-00001"),
	}
	dir := estate(t, files)
	head := gittest.CLI(t, dir, "rev-parse", "HEAD")
	_, err := Migrate(context.Background(), Options{Dir: dir, Prefix: 5})
	if !errors.Is(err, core.ErrUsage) || !strings.Contains(err.Error(), "inventory/monitor/MN-00/MN-00001.yaml exists") {
		t.Errorf("a move onto an existing file: %v", err)
	}
	delete(files, "inventory/monitor/MN-00/MN-00001.yaml")
	dir2 := estate(t, files)
	if err := os.WriteFile(filepath.Join(dir2, "inventory/monitor/MN-00001.yaml"), []byte(asset("MN-00001")+"model: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Migrate(context.Background(), Options{Dir: dir2, Prefix: 5})
	if !errors.Is(err, core.ErrUsage) || !strings.Contains(err.Error(), "uncommitted") {
		t.Errorf("a dirty tree: %v", err)
	}
	for _, d := range []string{dir, dir2} {
		if h := gittest.CLI(t, d, "rev-parse", "HEAD"); d == dir && h != head {
			t.Errorf("a refused migration committed %s", h)
		}
		if _, err := os.Stat(filepath.Join(d, "inventory/monitor/MN-00001.yaml")); err != nil {
			t.Errorf("a refused migration moved a file: %v", err)
		}
	}
}

func TestParseLsFiles(t *testing.T) {
	es, err := parseLsFiles([]byte("100644 " + strings.Repeat("a", 40) + " 0\tinventory/a b.yaml\x00"))
	if err != nil || len(es) != 1 || es[0].path != "inventory/a b.yaml" || es[0].mode != "100644" {
		t.Errorf("parseLsFiles: %+v, %v", es, err)
	}
	if _, err := parseLsFiles([]byte("100644 " + strings.Repeat("a", 40) + " 2\tx.yaml\x00")); err == nil || !strings.Contains(err.Error(), "merge conflict") {
		t.Errorf("a conflicted entry: %v", err)
	}
	if _, err := parseLsFiles([]byte("100644 x 0\tx.yaml")); err == nil {
		t.Error("output without its NUL was accepted")
	}
}
