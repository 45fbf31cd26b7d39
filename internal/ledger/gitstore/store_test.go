package gitstore

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/gitrepo/gittest"
	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/record"
)

const ref = "refs/estate/ledger"

func bare(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	gittest.InitBare(t, dir)
	return dir
}

func open(t *testing.T, dir string) *Store {
	t.Helper()
	r, err := gitrepo.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return &Store{Repo: r, Ref: ref, Now: func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) }}
}

// record appends a change-implemented entry for merge unless one exists.
func recordMerge(merge string) Build {
	return func(snap *Snapshot) (*ledger.Entry, error) {
		for _, e := range snap.Entries() {
			if e.Merge() == merge {
				return nil, nil
			}
		}
		return &ledger.Entry{Kind: ledger.KindChangeImplemented, Time: "2026-11-20T10:00:00Z",
			Commits: &ledger.Commits{Merge: merge}, Title: "change " + merge}, nil
	}
}

func verify(t *testing.T, s *Store) []record.Finding {
	t.Helper()
	snap, err := s.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return ledger.VerifyChain(snap.Stored, ref)
}

func TestConcurrentWritersLoseNothing(t *testing.T) {
	dir := bare(t)
	const writers, each = 4, 15
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			s := open(t, dir) // its own go-git Repository, as another process would have
			for i := 0; i < each; i++ {
				merge := fmt.Sprintf("%040x", w*1000+i)
				if _, err := s.Append(context.Background(), recordMerge(merge)); err != nil {
					errs <- err
				}
				// the same merge again is a no-op
				if e, err := s.Append(context.Background(), recordMerge(merge)); err != nil || e != nil {
					errs <- fmt.Errorf("second record of %s: %v %v", merge, e, err)
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	s := open(t, dir)
	snap, err := s.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := len(snap.Entries()); got != writers*each {
		t.Fatalf("%d entries, want %d", got, writers*each)
	}
	seen := map[string]bool{}
	for _, e := range snap.Entries() {
		if seen[e.Merge()] {
			t.Errorf("merge %s recorded twice", e.Merge())
		}
		seen[e.Merge()] = true
	}
	if fs := verify(t, s); len(fs) > 0 {
		t.Fatalf("verify: %v", fs)
	}
}

// tamper rewrites the ledger ref's history with edit applied to the
// entries' JSON lines (oldest first), keeping each commit's subject.
func tamper(t *testing.T, s *Store, edit func(lines []string) []string) {
	t.Helper()
	snap, err := s.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, st := range snap.Stored {
		lines = append(lines, string(st.Raw))
	}
	parent := ""
	for _, l := range edit(lines) {
		e, _, err := ledger.Decode([]byte(l))
		subject := "ledger: entry ? ?"
		if err == nil {
			subject = fmt.Sprintf("ledger: entry %d %s", e.Seq, e.Kind)
		}
		parent, err = s.Repo.CommitFiles(parent, nil, subject+"\n\n"+l+"\n",
			gitrepo.Signature{Name: "mallory", Email: "m@example.org", When: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Repo.UpdateRef(ref, parent, snap.Tip); err != nil {
		t.Fatal(err)
	}
}

func TestTamperingIsFound(t *testing.T) {
	cases := []struct {
		name string
		edit func([]string) []string
		want string
	}{
		{"edited", func(l []string) []string {
			l[2] = strings.Replace(l[2], "change ", "chang3 ", 1)
			return l
		}, "entry 3 was edited"},
		{"not canonical", func(l []string) []string {
			l[1] = strings.Replace(l[1], `"seq":2,`, `"seq": 2,`, 1)
			return l
		}, "entry 2 is not in canonical form"},
		{"dropped", func(l []string) []string { return append(l[:1:1], l[2:]...) }, "entry 2 is missing"},
		{"dropped first", func(l []string) []string { return l[1:] }, "entry 1 is missing"},
		{"prev edited", func(l []string) []string {
			l[3] = strings.Replace(l[3], `"prev":"sha256:`, `"prev":"sha256:0`, 1)
			return l
		}, "the chain is broken between entry 3 and entry 4"},
		{"reordered", func(l []string) []string {
			l[1], l[2] = l[2], l[1]
			return l
		}, "entry 2 comes after entry 3: entries were reordered"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := open(t, bare(t))
			for i := 0; i < 5; i++ {
				if _, err := s.Append(context.Background(), recordMerge(fmt.Sprintf("%040x", i))); err != nil {
					t.Fatal(err)
				}
			}
			if fs := verify(t, s); len(fs) != 0 {
				t.Fatalf("clean ledger: %v", fs)
			}
			tamper(t, s, c.edit)
			fs := verify(t, s)
			var msgs []string
			for _, f := range fs {
				msgs = append(msgs, f.String())
			}
			if !strings.Contains(strings.Join(msgs, "\n"), c.want) {
				t.Fatalf("want %q among:\n%s", c.want, strings.Join(msgs, "\n"))
			}
		})
	}
}
