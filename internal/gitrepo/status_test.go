package gitrepo

import (
	"context"
	"reflect"
	"strings"
	"testing"
)

func TestParseStatus(t *testing.T) {
	out := " M inventory/laptop/LT-1.yaml\x00R  changes/CR-2.yaml\x00changes/CR-1.yaml\x00?? inventory/new file.yaml\x00"
	got, err := parseStatus([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	want := []StatusEntry{
		{XY: " M", Path: "inventory/laptop/LT-1.yaml"},
		{XY: "R ", Path: "changes/CR-2.yaml", From: "changes/CR-1.yaml"},
		{XY: "??", Path: "inventory/new file.yaml"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	for _, bad := range []string{"M\x00", " M x", "R  a\x00"} {
		if _, err := parseStatus([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// TestStatus runs git status on a real working tree: changed, staged,
// renamed, deleted and untracked files are listed, ignored ones and those
// outside the paths asked for are not.
func TestStatus(t *testing.T) {
	g := newGitRepo(t)
	g.write("inventory/laptop/LT-1.yaml", assetDoc("LT-1", "a@example.org"))
	g.write("inventory/laptop/LT-2.yaml", assetDoc("LT-2", "b@example.org"))
	g.write("changes/CR-1.yaml", "id: CR-1\n")
	g.write("docs/readme.md", "hello\n")
	g.write(".gitignore", "*.bak\n")
	g.commit("estate")
	repo, _ := g.tree("HEAD")
	ctx := context.Background()
	if st, err := repo.Status(ctx, "inventory", "changes"); err != nil || len(st) != 0 {
		t.Fatalf("clean tree: %+v, %v", st, err)
	}
	g.write("inventory/laptop/LT-1.yaml", assetDoc("LT-1", "z@example.org"))
	g.run("mv", "changes/CR-1.yaml", "changes/CR-9.yaml")
	g.run("rm", "-q", "inventory/laptop/LT-2.yaml")
	g.write("inventory/phone/PH-1.yaml", "id: PH-1\n")
	g.write("inventory/phone/PH-1.bak", "old\n")
	g.write("docs/readme.md", "changed\n")
	st, err := repo.Status(ctx, "inventory", "changes")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range st {
		got = append(got, e.XY+" "+e.Path+" "+e.From)
	}
	want := []string{"D  changes/CR-1.yaml ", "A  changes/CR-9.yaml ", " M inventory/laptop/LT-1.yaml ", "D  inventory/laptop/LT-2.yaml ", "?? inventory/phone/PH-1.yaml "}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if st, err := repo.Status(ctx); err != nil || len(st) != 6 {
		t.Errorf("every path: %+v, %v; want the docs change too", st, err)
	}
	if _, err := (&Repo{}).Status(ctx); err != ErrNoGit {
		t.Errorf("no working tree: %v; want ErrNoGit", err)
	}
}

// TestOnlyControlCharacters: the go-git walk of a sub-tree marks a file
// name with a control character as a problem and lists the rest, as git
// ls-tree does, instead of failing the walk.
func TestOnlyControlCharacters(t *testing.T) {
	g := newGitRepo(t)
	g.write("changes/CR-1\a.yaml", "id: CR-1\n")
	g.write("changes/CR-2.yaml", "id: CR-2\n")
	g.write("policies/x\x1b.yaml", "x: 1\n")
	head := g.commit("bells")
	_, tree := g.tree(head)
	es, err := tree.Only([]string{"changes", "policies"}, nil, nil).Entries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, e.Path+" "+e.Problem)
	}
	want := []string{"changes/CR-1\a.yaml the file name contains a control character", "changes/CR-2.yaml ", "policies/x\x1b.yaml the file name contains a control character"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q\nwant %q", got, want)
	}
	goGit, err := tree.entriesGoGit(context.Background())
	if err != nil || len(goGit) != 3 {
		t.Errorf("go-git walk of the whole tree: %d entries, %v", len(goGit), err)
	}
}
