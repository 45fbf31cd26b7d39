package history

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/estate-dev/estate/internal/gitrepo/gittest"

	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/synth"
)

func needGit(t testing.TB) { gittest.NeedCLI(t) }

// gitFollow is the reference: the commits `git log --follow
// --first-parent` lists for path, newest first.
func gitFollow(t *testing.T, dir, path string) []string {
	t.Helper()
	out, err := exec.Command("git", "-C", dir, "log", "--follow", "--first-parent", "--format=%H", "main", "--", path).Output()
	if err != nil {
		t.Fatalf("git log --follow %s: %v", path, err)
	}
	return strings.Fields(string(out))
}

func TestFollowAgreesWithGit(t *testing.T) {
	needGit(t)
	ctx := context.Background()
	for _, seed := range []int64{2, 3} {
		dir := t.TempDir()
		st, err := synth.History(ctx, dir, synth.HistoryConfig{Commits: 500, Records: 40, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		if st.Renames == 0 || st.Merges == 0 || st.Removed == 0 {
			t.Fatalf("seed %d: a history without renames, merges or removals tests little: %+v", seed, st)
		}
		repo, err := gitrepo.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		if seed == 3 {
			parallelFrom = 100 // the pass on several handles at once
			t.Cleanup(func() { parallelFrom = 2000 })
		}
		idx, err := Build(ctx, repo, nil, st.Head)
		if err != nil {
			t.Fatal(err)
		}
		paths := append(append([]string{}, st.Paths...), st.Gone...)
		paths = append(paths, "policies/change-control.yaml", "estate.yaml")
		checked := 0
		for _, p := range paths {
			want := gitFollow(t, dir, p)
			steps, err := idx.Follow(ctx, repo, p)
			if err != nil && err != ErrNoHistory {
				t.Fatal(err)
			}
			var got []string
			for _, s := range steps {
				got = append(got, s.Commit.Hash)
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("seed %d, %s:\n estate: %v\n git:    %v", seed, p, got, want)
			}
			checked++
		}
		t.Logf("seed %d: %d paths compared with git log --follow --first-parent (%+v)", seed, checked,
			struct{ Commits, Merges, Renames, Removed int }{st.Commits, st.Merges, st.Renames, st.Removed})
	}
}

func TestIndexExtendsIncrementally(t *testing.T) {
	needGit(t)
	ctx := context.Background()
	dir := t.TempDir()
	st, err := synth.History(ctx, dir, synth.HistoryConfig{Commits: 200, Records: 20, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	repo, _ := gitrepo.Open(dir)
	full, err := Build(ctx, repo, nil, st.Head)
	if err != nil {
		t.Fatal(err)
	}
	// Index up to HEAD~50, then extend to HEAD: the same index.
	c, err := repo.Resolve("HEAD~50")
	if err != nil {
		t.Fatal(err)
	}
	part, err := Build(ctx, repo, nil, c.Hash)
	if err != nil {
		t.Fatal(err)
	}
	ext, err := Build(ctx, repo, part, st.Head)
	if err != nil {
		t.Fatal(err)
	}
	if len(ext.Commits) != len(full.Commits) || len(ext.Paths) != len(full.Paths) {
		t.Fatalf("extended index: %d commits %d paths, full: %d commits %d paths", len(ext.Commits), len(ext.Paths), len(full.Commits), len(full.Paths))
	}
	for p, es := range full.Paths {
		if strings.Trim(strings.Join(strings.Fields(fmtU(es)), ","), "") != strings.Join(strings.Fields(fmtU(ext.Paths[p])), ",") {
			t.Fatalf("%s differs", p)
		}
	}
	// Saved and loaded, it is the same.
	path := t.TempDir() + "/history.idx"
	if err := Save(path, ext); err != nil {
		t.Fatal(err)
	}
	if got := Load(path); got == nil || got.Head != ext.Head || len(got.Commits) != len(ext.Commits) {
		t.Fatal("the index did not survive a save and load")
	}
}

func fmtU(xs []uint32) string {
	var b strings.Builder
	for _, x := range xs {
		b.WriteString(" ")
		b.WriteString(strings.TrimSpace(string(rune('0' + x%10))))
		b.WriteString(itoa(x))
	}
	return b.String()
}

func itoa(x uint32) string {
	if x == 0 {
		return "0"
	}
	var d []byte
	for x > 0 {
		d = append([]byte{byte('0' + x%10)}, d...)
		x /= 10
	}
	return string(d)
}

func TestFieldDiff(t *testing.T) {
	old := []byte("id: A\nowner: x\nlicences: [a, b]\npurchase:\n  cost: 1\n")
	neu := []byte("id: A\nowner: y\nlicences: [a]\npurchase:\n  cost: 1\n  currency: GBP\n")
	got := FieldDiff(old, neu)
	want := []FieldChange{
		{Field: "licences.1", Old: "b", Op: "removed"},
		{Field: "owner", Old: "x", New: "y", Op: "changed"},
		{Field: "purchase.currency", New: "GBP", Op: "added"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	if d := FieldDiff([]byte("a: [\n"), []byte("a: 1\n")); len(d) != 1 || d[0].Field != "(document)" {
		t.Errorf("broken YAML: %+v", d)
	}
}

// FuzzFieldDiff: no pair of documents panics, a document equals itself,
// and every change names a field.
func FuzzFieldDiff(f *testing.F) {
	f.Add([]byte("id: A\nowner: x\n"), []byte("id: A\nowner: y\nlicences: [a]\n"))
	f.Add([]byte("a: &x [1, 2]\nb: *x\n"), []byte("- 1\n- 2\n"))
	f.Add([]byte("a: ["), []byte(""))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		if len(a) > 4096 || len(b) > 4096 {
			return
		}
		if d := FieldDiff(a, a); len(d) != 0 {
			t.Fatalf("a document differs from itself: %+v", d)
		}
		for _, c := range FieldDiff(a, b) {
			if c.Field == "" || (c.Op != "added" && c.Op != "removed" && c.Op != "changed") {
				t.Fatalf("bad change %+v", c)
			}
		}
	})
}

func TestFieldDiffAliasBomb(t *testing.T) {
	bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g", "h", "i", "j"} {
		bomb += n + ": &" + n + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n"
		prev = n
	}
	d := FieldDiff(nil, []byte(bomb))
	if len(d) != 1 || d[0].Field != "(document)" {
		t.Fatalf("got %d changes", len(d))
	}
}

// TestGitAndGoGitIndexesAgree: the index read through `git log --raw`
// equals the one go-git builds, in full and extended.
func TestGitAndGoGitIndexesAgree(t *testing.T) {
	needGit(t)
	ctx := context.Background()
	dir := t.TempDir()
	st, err := synth.History(ctx, dir, synth.HistoryConfig{Commits: 400, Records: 30, Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	repo, _ := gitrepo.Open(dir)
	defer func() { UseGit, parallelFrom = true, 2000 }()
	parallelFrom = 50 // go-git's pass on several handles
	build := func(useGit bool, from *Index, head string) *Index {
		UseGit = useGit
		idx, err := Build(ctx, repo, from, head)
		if err != nil {
			t.Fatal(err)
		}
		return idx
	}
	mid, _ := repo.Resolve("HEAD~120")
	for _, c := range []struct {
		name       string
		git, gogit *Index
	}{
		{"full", build(true, nil, st.Head), build(false, nil, st.Head)},
		{"extended", build(true, build(true, nil, mid.Hash), st.Head), build(false, build(false, nil, mid.Hash), st.Head)},
	} {
		a, b := c.git, c.gogit
		if len(a.Commits) != len(b.Commits) || len(a.Paths) != len(b.Paths) {
			t.Fatalf("%s: git %d commits %d paths, go-git %d commits %d paths", c.name, len(a.Commits), len(a.Paths), len(b.Commits), len(b.Paths))
		}
		for i := range a.Commits {
			if a.Commits[i] != b.Commits[i] {
				t.Fatalf("%s: commit %d: %+v vs %+v", c.name, i, a.Commits[i], b.Commits[i])
			}
		}
		for p, es := range b.Paths {
			if fmtU(es) != fmtU(a.Paths[p]) {
				t.Fatalf("%s: %s: git %v, go-git %v", c.name, p, a.Paths[p], es)
			}
		}
	}
}

// TestDescribeStreamedMatchesGoGit: the versions streamed through one git
// cat-file give the same history as go-git's reads, one file at a time.
func TestDescribeStreamedMatchesGoGit(t *testing.T) {
	needGit(t)
	ctx := context.Background()
	dir := t.TempDir()
	st, err := synth.History(ctx, dir, synth.HistoryConfig{Commits: 300, Records: 20, Seed: 5, Hot: 80})
	if err != nil {
		t.Fatal(err)
	}
	repo, err := gitrepo.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	idx, err := Build(ctx, repo, nil, st.Head)
	if err != nil {
		t.Fatal(err)
	}
	paths := append([]string{st.HotPath}, st.Gone...)
	var streamed []string
	for _, p := range paths {
		steps, err := idx.Follow(ctx, repo, p)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := Describe(ctx, repo, st.Head, p, steps, nil)
		if err != nil {
			t.Fatal(err)
		}
		streamed = append(streamed, fmt.Sprintf("%+v", rec))
	}
	t.Setenv("PATH", t.TempDir()) // no git: go-git reads
	for i, p := range paths {
		steps, _ := idx.Follow(ctx, repo, p)
		rec, err := Describe(ctx, repo, st.Head, p, steps, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprintf("%+v", rec); got != streamed[i] {
			t.Fatalf("%s: streamed:\n%s\ngo-git:\n%s", p, streamed[i], got)
		}
		if i == 0 && len(rec.Changes) < 80 {
			t.Fatalf("%s: %d changes", p, len(rec.Changes))
		}
	}
}

// TestScopedIndexFollowsLikeGit: an index of one record, grown by Follow
// to the records it is asked about, answers as git log --follow does and
// holds for its folders what the index of the whole tree holds.
func TestScopedIndexFollowsLikeGit(t *testing.T) {
	needGit(t)
	ctx := context.Background()
	dir := t.TempDir()
	st, err := synth.History(ctx, dir, synth.HistoryConfig{Commits: 400, Records: 40, Seed: 2, Hot: 60})
	if err != nil {
		t.Fatal(err)
	}
	repo, err := gitrepo.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	full, err := Build(ctx, repo, nil, st.Head)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := BuildScoped(ctx, repo, nil, st.Head, []string{st.HotPath})
	if err != nil {
		t.Fatal(err)
	}
	if len(idx.Commits) >= len(full.Commits) {
		t.Fatalf("the index of %s has %d commits, the whole tree's %d", st.HotPath, len(idx.Commits), len(full.Commits))
	}
	paths := append(append([]string{st.HotPath}, st.Paths...), st.Gone...)
	paths = append(paths, "policies/change-control.yaml")
	for _, p := range paths {
		want := gitFollow(t, dir, p)
		steps, err := idx.Follow(ctx, repo, p)
		if err != nil && err != ErrNoHistory {
			t.Fatal(err)
		}
		var got []string
		for _, s := range steps {
			got = append(got, s.Commit.Hash)
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s:\n estate: %v\n git:    %v", p, got, want)
		}
	}
	for p, es := range full.Paths {
		if !idx.Covers(p) {
			continue
		}
		var a, b []string
		for _, e := range es {
			a = append(a, full.Commits[e>>2].Hash+itoa(e&3))
		}
		for _, e := range idx.Paths[p] {
			b = append(b, idx.Commits[e>>2].Hash+itoa(e&3))
		}
		if strings.Join(a, " ") != strings.Join(b, " ") {
			t.Fatalf("%s: whole tree %v, scoped %v", p, a, b)
		}
	}
	t.Logf("scopes %v: %d of %d commits", idx.Scopes, len(idx.Commits), len(full.Commits))
}

// TestScopedIndexExtends: an index of one record at HEAD~50, extended to
// HEAD, is the index of that record built at HEAD.
func TestScopedIndexExtends(t *testing.T) {
	needGit(t)
	ctx := context.Background()
	dir := t.TempDir()
	st, err := synth.History(ctx, dir, synth.HistoryConfig{Commits: 300, Records: 20, Seed: 9, Hot: 100})
	if err != nil {
		t.Fatal(err)
	}
	repo, err := gitrepo.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	mid, err := repo.Resolve("HEAD~50")
	if err != nil {
		t.Fatal(err)
	}
	scopes := []string{st.HotPath}
	part, err := BuildScoped(ctx, repo, nil, mid.Hash, scopes)
	if err != nil {
		t.Fatal(err)
	}
	n := len(part.Commits)
	ext, err := BuildScoped(ctx, repo, part, st.Head, scopes)
	if err != nil {
		t.Fatal(err)
	}
	full, err := BuildScoped(ctx, repo, nil, st.Head, scopes)
	if err != nil {
		t.Fatal(err)
	}
	if len(ext.Commits) == n || len(ext.Commits) != len(full.Commits) || fmtU(ext.Paths[st.HotPath]) != fmtU(full.Paths[st.HotPath]) {
		t.Fatalf("extended: %d commits (from %d), built: %d", len(ext.Commits), n, len(full.Commits))
	}
	for i := range full.Commits {
		if ext.Commits[i] != full.Commits[i] {
			t.Fatalf("commit %d: %+v vs %+v", i, ext.Commits[i], full.Commits[i])
		}
	}
}

// TestIndexCacheDamaged: a damaged history.idx (any byte changed) is
// dropped and the history rebuilt; it never changes what is shown.
func TestIndexCacheDamaged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.idx")
	idx := &Index{Version: indexVersion, Head: "abc", Paths: map[string][]uint32{"inventory/laptop/LT-1.yaml": {4, 9}}}
	if err := Save(path, idx); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(data); i += max(1, len(data)/97) {
		bad := bytes.Clone(data)
		bad[i] ^= 0x10
		if err := os.WriteFile(path, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		if got := Load(path); got != nil {
			t.Fatalf("byte %d changed: the damaged cache was used: %+v", i, got)
		}
	}
}
