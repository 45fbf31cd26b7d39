package ops

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/ledger/compliance"
	"github.com/estate-dev/estate/internal/ledger/gitstore"
)

const foldRef = "refs/estate/ledger"

// foldLedger is a ledger of audits appended one by one, with the states
// the generator holds.
type foldLedger struct {
	t     *testing.T
	dir   string
	repo  *gitrepo.Repo
	store *gitstore.Store
	clock time.Time
	rng   *rand.Rand
	state map[compliance.Key]compliance.State
	day   int
}

func newFoldLedger(t *testing.T) *foldLedger {
	dir := t.TempDir()
	repo, err := gitrepo.Init(dir, "main")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { repo.Close() })
	l := &foldLedger{t: t, dir: dir, repo: repo, rng: rand.New(rand.NewPCG(3, 4)), state: map[compliance.Key]compliance.State{},
		clock: time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)}
	l.store = &gitstore.Store{Repo: repo, Ref: foldRef, Now: func() time.Time { return l.clock }}
	return l
}

// audit appends the next day's audit: random changes of 20 devices x 4
// controls, and now and then an entry that is not an audit.
func (l *foldLedger) audit() {
	l.t.Helper()
	l.day++
	l.clock = l.clock.Add(24 * time.Hour)
	changed := map[compliance.Key]compliance.State{}
	for range l.rng.IntN(15) {
		k := compliance.Key{Asset: fmt.Sprintf("LT-%02d", l.rng.IntN(20)), Control: fmt.Sprintf("CTL-%d", l.rng.IntN(4))}
		if s := compliance.State(l.rng.IntN(4)); s != l.state[k] {
			changed[k] = s
		}
	}
	var cs []compliance.Change
	for k, s := range changed {
		cs = append(cs, compliance.Change{Key: k, State: s})
	}
	compliance.Sort(cs)
	compliance.Apply(l.state, cs)
	files, digest := compliance.Encode(cs)
	_, err := l.store.Append(context.Background(), func(snap *gitstore.Snapshot) (*ledger.Entry, error) {
		snap.Files = files
		return &ledger.Entry{Kind: ledger.KindAudit, Time: ledger.FormatTime(l.clock), Audit: &ledger.Audit{
			Digest: fmt.Sprintf("sha256:%d-%d", l.day, l.rng.Int()), Changes: &ledger.StateChanges{Count: len(cs), Digest: digest}}}, nil
	})
	if err != nil {
		l.t.Fatal(err)
	}
}

func (l *foldLedger) cachePath() string {
	return filepath.Join(l.dir, ".git", "estate", "compliance-refs_estate_ledger.cache")
}

func (l *foldLedger) changesPath() string {
	return filepath.Join(l.dir, ".git", "estate", "compliance-changes-refs_estate_ledger.cache")
}

// check compares the fold (cached, as it is) with the full fold of what
// ReadCompliance reads, up to until (zero: every audit).
func (l *foldLedger) check(until time.Time) {
	l.t.Helper()
	ctx := context.Background()
	got, err := FoldCompliance(ctx, FoldOptions{Dir: l.dir, Ref: foldRef, Until: until})
	if err != nil {
		l.t.Fatal(err)
	}
	ref, err := FoldCompliance(ctx, FoldOptions{Dir: l.dir, Ref: foldRef, Until: until, NoCache: true})
	if err != nil {
		l.t.Fatal(err)
	}
	audits, err := ReadCompliance(ctx, ComplianceOptions{Dir: l.dir, Ref: foldRef, NoCache: true})
	if err != nil {
		l.t.Fatal(err)
	}
	// Every audit's changes (the report's trend), from their cache.
	cached, err := ReadCompliance(ctx, ComplianceOptions{Dir: l.dir, Ref: foldRef})
	if err != nil {
		l.t.Fatal(err)
	}
	if len(cached) != len(audits) {
		l.t.Fatalf("day %d: %d audits from the cache, %d from the ledger", l.day, len(cached), len(audits))
	}
	for i := range audits {
		if a, b := cached[i], audits[i]; a.Seq != b.Seq || !a.At.Equal(b.At) || a.At.Location().String() != b.At.Location().String() ||
			!reflect.DeepEqual(a.Changes, b.Changes) {
			l.t.Fatalf("day %d: audit %d from the cache %+v, from the ledger %+v", l.day, i, a, b)
		}
	}
	for len(audits) > 0 && !until.IsZero() && audits[len(audits)-1].At.After(until) {
		audits = audits[:len(audits)-1]
	}
	state := map[compliance.Key]compliance.State{}
	for _, a := range audits {
		compliance.Apply(state, a.Changes)
	}
	since := compliance.FailingSinceAll(audits)
	for _, f := range []*compliance.Folded{got, ref} {
		if len(f.Times) != len(audits) {
			l.t.Fatalf("day %d: %d audits folded, want %d", l.day, len(f.Times), len(audits))
		}
		if s := f.States(); !reflect.DeepEqual(s, state) {
			l.t.Fatalf("day %d (until %v): states differ from the full fold:\n%v\nwant\n%v", l.day, until, s, state)
		}
		for a := range 21 {
			for c := range 4 {
				k := compliance.Key{Asset: fmt.Sprintf("LT-%02d", a), Control: fmt.Sprintf("CTL-%d", c)}
				t, ok := f.FailingSince(k.Asset, k.Control)
				if w, wok := since[k]; ok != wok || !t.Equal(w) {
					l.t.Fatalf("day %d: %v failing since %v %v, want %v %v", l.day, k, t, ok, w, wok)
				}
			}
		}
	}
	if until.IsZero() && !reflect.DeepEqual(state, l.state) {
		l.t.Fatalf("day %d: the ledger's states are not the generator's", l.day)
	}
}

// TestFoldCacheIsTheFullFold: the cached fold equals the full fold after
// every audit, for every as-of, after the ledger is rewritten under the
// cache, and with the cache damaged, truncated or emptied.
func TestFoldCacheIsTheFullFold(t *testing.T) {
	l := newFoldLedger(t)
	l.check(time.Time{}) // no ledger yet
	for range 12 {
		l.audit()
		l.check(time.Time{})
	}
	if _, err := os.Stat(l.cachePath()); err != nil {
		t.Fatalf("no cache written: %v", err)
	}
	// As of each earlier day (the cache is past them: a full fold), and
	// the cache still serves the tip after.
	for d := 0; d <= l.day; d++ {
		l.check(time.Date(2026, 3, 1+d, 12, 0, 0, 0, time.UTC))
	}
	l.check(time.Time{})
	// As of days after the cache's last audit and before the ledger's:
	// the cache and the audits up to then.
	for range 3 {
		l.audit()
	}
	for d := 12; d <= l.day; d++ {
		l.check(time.Date(2026, 3, 1+d, 12, 0, 0, 0, time.UTC))
	}
	l.check(time.Time{})
	// Rewritten: back to day 5, then other audits; the cache folds a
	// history that is no longer the ledger's.
	snap, err := l.store.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	refs := auditRefs(snap)
	if err := l.repo.UpdateRef(foldRef, refs[4].commit, snap.Tip); err != nil {
		t.Fatal(err)
	}
	l.state = map[compliance.Key]compliance.State{}
	for _, a := range refs[:5] {
		got, err := readAudit(l.store, a.st)
		if err != nil {
			t.Fatal(err)
		}
		compliance.Apply(l.state, got.Changes)
	}
	l.day, l.clock = 5, time.Date(2026, 3, 6, 6, 0, 0, 0, time.UTC)
	l.rng = rand.New(rand.NewPCG(5, 6))
	// Longer than the cache's before the next fold: the same sequence
	// numbers at other commits.
	for range 9 {
		l.audit()
	}
	l.check(time.Time{})
	for range 3 {
		l.audit()
		l.check(time.Time{})
	}
	// Cut back without new audits: the cache folds more than the ledger.
	snap, err = l.store.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	refs = auditRefs(snap)
	if err := l.repo.UpdateRef(foldRef, refs[7].commit, snap.Tip); err != nil {
		t.Fatal(err)
	}
	l.state = map[compliance.Key]compliance.State{}
	for _, a := range refs[:8] {
		got, err := readAudit(l.store, a.st)
		if err != nil {
			t.Fatal(err)
		}
		compliance.Apply(l.state, got.Changes)
	}
	l.day, l.clock = 8, time.Date(2026, 3, 9, 6, 0, 0, 0, time.UTC)
	l.check(time.Time{})
	// Damaged: each a miss, the fold the full one, the caches written again.
	for _, path := range []string{l.cachePath(), l.changesPath()} {
		good, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for i, bad := range [][]byte{
			good[:len(good)/2],
			nil,
			append(append([]byte{}, good[:len(good)-3]...), good[len(good)-3]^0x40, good[len(good)-2], good[len(good)-1]),
			[]byte("not a cache"),
		} {
			if err := os.WriteFile(path, bad, 0o644); err != nil {
				t.Fatal(err)
			}
			l.audit()
			l.check(time.Time{})
			if again, err := os.ReadFile(path); err != nil || len(again) < len(good)/2 {
				t.Errorf("%s damage %d: the cache was not written again (%d bytes, %v)", filepath.Base(path), i, len(again), err)
			}
		}
	}
}

// TestFoldCacheDoesNotHideAForgery: a ledger whose last audit's changes
// were forged (its commit rewritten) is not folded from the cache of the
// true one: the fold is an error, as verify's finding is.
func TestFoldCacheDoesNotHideAForgery(t *testing.T) {
	needGit(t)
	l := newFoldLedger(t)
	for range 4 {
		l.audit()
	}
	git := func(env []string, args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", l.dir}, args...)...)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("git %v: %v", args, err)
		}
		return strings.TrimSpace(string(out))
	}
	var tip, shard string
	for try := 0; shard == "" && try < 10; try++ {
		l.audit() // until one changes something
		l.check(time.Time{})
		tip = git(nil, "rev-parse", foldRef)
		for s := range compliance.Shards {
			name := fmt.Sprintf("%s/%02x", compliance.Dir, s)
			if git(nil, "cat-file", "-s", tip+":"+name) != "0" {
				shard = name
				break
			}
		}
	}
	if shard == "" {
		t.Fatal("ten audits changed nothing")
	}
	blob := git(nil, "hash-object", "-w", "--stdin")
	idx := []string{"GIT_INDEX_FILE=" + filepath.Join(t.TempDir(), "index")}
	git(idx, "read-tree", tip)
	git(idx, "update-index", "--cacheinfo", "100644,"+blob+","+shard)
	tree := git(idx, "write-tree")
	forged := git([]string{"GIT_AUTHOR_NAME=m", "GIT_AUTHOR_EMAIL=m@x", "GIT_COMMITTER_NAME=m", "GIT_COMMITTER_EMAIL=m@x"},
		"commit-tree", tree, "-m", git(nil, "log", "-1", "--format=%B", tip), "-p", tip+"^")
	git(nil, "update-ref", foldRef, forged)
	_, err := FoldCompliance(context.Background(), FoldOptions{Dir: l.dir, Ref: foldRef})
	if err == nil || !strings.Contains(err.Error(), "are not those it records") {
		t.Fatalf("fold of a forged ledger with a warm cache: %v, want the digest's error", err)
	}
}

// TestFoldNamesMissingObjects: an audit whose tree is not in the
// repository (a shallow or partial clone) is an error that says which
// entry and what to do. With a cache of the first three audits, the run
// reads only the fourth: entry 1's tree, also gone, is not read (the
// cache is used), and without the cache it is the first error.
func TestFoldNamesMissingObjects(t *testing.T) {
	needGit(t)
	l := newFoldLedger(t)
	for range 3 {
		l.audit()
	}
	l.check(time.Time{})
	l.audit()
	for _, rev := range []string{foldRef, foldRef + "~3"} {
		out, err := exec.Command("git", "-C", l.dir, "rev-parse", rev+"^{tree}").Output()
		if err != nil {
			t.Fatal(err)
		}
		tree := strings.TrimSpace(string(out))
		if err := os.Remove(filepath.Join(l.dir, ".git", "objects", tree[:2], tree[2:])); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		noCache bool
		entry   string
	}{{false, "ledger entry 4:"}, {true, "ledger entry 1:"}} {
		_, err := FoldCompliance(context.Background(), FoldOptions{Dir: l.dir, Ref: foldRef, NoCache: c.noCache})
		if err == nil || !strings.Contains(err.Error(), c.entry) || !strings.Contains(hint(err), "fetch the ledger's ref in full") {
			t.Errorf("fold, no cache %v: %v (hint %q), want %s's missing objects", c.noCache, err, hint(err), c.entry)
		}
		_, err = ReadCompliance(context.Background(), ComplianceOptions{Dir: l.dir, Ref: foldRef, NoCache: c.noCache})
		if err == nil || !strings.Contains(err.Error(), c.entry) {
			t.Errorf("changes, no cache %v: %v, want %s's missing objects", c.noCache, err, c.entry)
		}
	}
}

// TestFoldCacheConcurrentRuns: runs that fold and write the cache at once
// each get the full fold, and leave a cache that the next run reads.
func TestFoldCacheConcurrentRuns(t *testing.T) {
	l := newFoldLedger(t)
	for range 6 {
		l.audit()
	}
	want, err := FoldCompliance(context.Background(), FoldOptions{Dir: l.dir, Ref: foldRef, NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			f, err := FoldCompliance(context.Background(), FoldOptions{Dir: l.dir, Ref: foldRef})
			if err == nil && !reflect.DeepEqual(f.States(), want.States()) {
				err = fmt.Errorf("a concurrent fold differs from the full fold")
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if _, err := os.Stat(l.cachePath()); err != nil {
		t.Fatal(err)
	}
	l.audit()
	l.check(time.Time{})
}

// TestFoldCancelled: a fold whose context ends is an error, never the
// fold of the audits read so far.
func TestFoldCancelled(t *testing.T) {
	l := newFoldLedger(t)
	for range 5 {
		l.audit()
	}
	snap, err := l.store.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f := compliance.NewFolded()
	if err := foldRange(ctx, l.store, auditRefs(snap), f); err == nil {
		t.Fatalf("a cancelled fold gave %d audits and no error", len(f.Times))
	}
}

// TestFoldNamesAMissingBlob: a shard's blob gone from the repository is
// the go-git read's error naming its entry, whether the audits are read
// through git cat-file (which stops there) or not.
func TestFoldNamesAMissingBlob(t *testing.T) {
	needGit(t)
	l := newFoldLedger(t)
	for range 5 {
		l.audit()
	}
	out, err := exec.Command("git", "-C", l.dir, "ls-tree", "-r", "-l", foldRef+"~3").Output() // entry 2
	if err != nil {
		t.Fatal(err)
	}
	blob := ""
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if f := strings.Fields(line); len(f) == 5 && f[3] != "0" {
			blob = f[2]
			break
		}
	}
	if blob == "" {
		t.Fatal("entry 2 changed nothing")
	}
	if err := os.Remove(filepath.Join(l.dir, ".git", "objects", blob[:2], blob[2:])); err != nil {
		t.Fatal(err)
	}
	_, err = FoldCompliance(context.Background(), FoldOptions{Dir: l.dir, Ref: foldRef, NoCache: true})
	if err == nil || !strings.Contains(err.Error(), "ledger entry 2:") {
		t.Errorf("fold: %v, want entry 2's missing blob", err)
	}
	_, err = ReadCompliance(context.Background(), ComplianceOptions{Dir: l.dir, Ref: foldRef})
	if err == nil || !strings.Contains(err.Error(), "ledger entry 2:") {
		t.Errorf("changes: %v, want entry 2's missing blob", err)
	}
}
