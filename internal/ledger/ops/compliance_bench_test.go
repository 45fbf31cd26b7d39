package ops

import (
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/ledger/compliance"
	"github.com/estate-dev/estate/internal/ledger/gitstore"
)

// yearOfAudits writes a ledger of days daily audit entries for devices x
// controls states, rate of them changing each day (the first audit
// records the initial 3 % not passing), and returns the repository and
// the devices' ids.
func yearOfAudits(tb testing.TB, devices, controls, days int, rate float64) (string, []string) {
	tb.Helper()
	dir := tb.TempDir()
	repo, err := gitrepo.Init(dir, "main")
	if err != nil {
		tb.Fatal(err)
	}
	defer repo.Close()
	ids := make([]string, devices)
	for i := range ids {
		ids[i] = fmt.Sprintf("LT-%06d", i+1)
	}
	ctls := make([]string, controls)
	for i := range ctls {
		ctls[i] = fmt.Sprintf("CTL-%03d", i+1)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	state := map[compliance.Key]compliance.State{}
	start := time.Date(2026, 1, 1, 6, 0, 0, 0, time.UTC)
	clock := start
	store := &gitstore.Store{Repo: repo, Ref: "refs/estate/ledger", Now: func() time.Time { return clock }}
	for d := range days {
		n := int(rate * float64(devices*controls))
		if d == 0 {
			n = devices * controls * 3 / 100
		}
		changed := map[compliance.Key]compliance.State{}
		for len(changed) < n {
			k := compliance.Key{Asset: ids[rng.IntN(devices)], Control: ctls[rng.IntN(controls)]}
			if _, dup := changed[k]; dup {
				continue
			}
			s := compliance.Fail
			switch cur := state[k]; {
			case cur != compliance.Pass && rng.IntN(10) < 8:
				s = compliance.Pass
			case cur == compliance.Fail:
				s = compliance.Unverified
			case rng.IntN(10) == 0:
				s = compliance.Exempt
			}
			changed[k] = s
		}
		var cs []compliance.Change
		for k, s := range changed {
			cs = append(cs, compliance.Change{Key: k, State: s})
		}
		compliance.Sort(cs)
		compliance.Apply(state, cs)
		files, digest := compliance.Encode(cs)
		clock = start.Add(time.Duration(d) * 24 * time.Hour)
		_, err := store.Append(context.Background(), func(snap *gitstore.Snapshot) (*ledger.Entry, error) {
			snap.Files = files
			return &ledger.Entry{Kind: ledger.KindAudit, Time: ledger.FormatTime(clock), Audit: &ledger.Audit{
				Digest: "sha256:" + strconv.Itoa(d), Changes: &ledger.StateChanges{Count: len(cs), Digest: digest}}}, nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	return dir, ids
}

// objectBytes sums the sizes of the repository's object files.
func objectBytes(tb testing.TB, dir string) int64 {
	var n int64
	err := filepath.WalkDir(filepath.Join(dir, ".git", "objects"), func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			n += info.Size()
		}
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// benchYear is the year of BenchmarkFailingSinceYear: $ESTATE_BENCH_DEVICES
// devices (default 100,000) x 30 controls, generated into
// $ESTATE_BENCH_LEDGER_DIR when that does not hold it yet (kept between
// runs), else into a temporary folder. loose is the objects' size as
// written (0 when the year was kept), packed after git gc.
func benchYear(b *testing.B) (dir string, devices int, loose, packed int64) {
	devices = 100_000
	if s := os.Getenv("ESTATE_BENCH_DEVICES"); s != "" {
		devices, _ = strconv.Atoi(s)
	}
	dir = os.Getenv("ESTATE_BENCH_LEDGER_DIR")
	if _, err := os.Stat(filepath.Join(dir, ".git")); dir == "" || err != nil {
		gen, _ := yearOfAudits(b, devices, 30, 365, 0.005)
		if dir != "" {
			if err := os.Rename(gen, dir); err != nil {
				b.Fatal(err)
			}
		} else {
			dir = gen
		}
		loose = objectBytes(b, dir)
		if _, err := exec.LookPath("git"); err == nil {
			cmd := exec.Command("git", "gc", "-q")
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("git gc: %v\n%s", err, out)
			}
		}
	}
	return dir, devices, loose, objectBytes(b, dir)
}

// BenchmarkFailingSinceYear: a year of daily audits of
// $ESTATE_BENCH_DEVICES devices (default 100,000) x 30 controls, 0.5 % of
// the states changing each day. It reports the ledger's size as written
// (loose objects) and after git gc, and times one device's failing since
// (its history read from the ledger: one shard per audit). The full fold
// (every device's state, what record-audit reads before each audit) is
// timed once and reported as fold-ms.
func BenchmarkFailingSinceYear(b *testing.B) {
	dir, devices, loose, packed := benchYear(b)
	ids := make([]string, devices)
	for i := range ids {
		ids[i] = fmt.Sprintf("LT-%06d", i+1)
	}
	var fold time.Duration
	if os.Getenv("ESTATE_BENCH_FOLD") != "0" {
		t0 := time.Now()
		all, err := ReadCompliance(context.Background(), ComplianceOptions{Dir: dir, Ref: "refs/estate/ledger"})
		if err != nil || len(all) != 365 {
			b.Fatalf("read %d audits: %v", len(all), err)
		}
		fold = time.Since(t0)
	}
	i := 0
	for b.Loop() {
		id := ids[(i*7919)%len(ids)]
		i++
		audits, err := ReadCompliance(context.Background(), ComplianceOptions{Dir: dir, Ref: "refs/estate/ledger", Asset: id})
		if err != nil || len(audits) != 365 {
			b.Fatalf("read %d audits: %v", len(audits), err)
		}
		_ = compliance.FailingSinceAll(audits)
	}
	if loose > 0 {
		b.ReportMetric(float64(loose)/1e6, "loose-MB")
	}
	b.ReportMetric(float64(packed)/1e6, "packed-MB")
	if fold > 0 {
		b.ReportMetric(float64(fold.Milliseconds()), "fold-ms")
	}
}

// BenchmarkFoldYear: the fold of every device's state over the year
// (what estate audit reads for failing since, and record-audit for the
// previous states), three ways: full (no cache: every shard of the 365
// audits, timed once: full-ms), warm with one new audit (the cache folds
// the first 364 audits and the run reads the 365th's shards, as the day's
// audit does: the time per iteration) and warm (the cache folds all 365,
// timed once: warm-ms, after checking it is the full fold). It reports
// the cache file's size and the keys not passing.
func BenchmarkFoldYear(b *testing.B) {
	dir, _, _, _ := benchYear(b)
	ctx := context.Background()
	o := FoldOptions{Dir: dir, Ref: "refs/estate/ledger"}
	t0 := time.Now()
	full, err := FoldCompliance(ctx, FoldOptions{Dir: dir, Ref: o.Ref, NoCache: true})
	if err != nil || len(full.Times) != 365 {
		b.Fatalf("fold %v: %v", full, err)
	}
	fullT := time.Since(t0)
	// The cache of the first 364 audits: fold a snapshot without the last.
	repo, err := gitrepo.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	store := &gitstore.Store{Repo: repo, Ref: o.Ref}
	snap, err := store.Read(ctx)
	if err != nil {
		b.Fatal(err)
	}
	snap.Stored = snap.Stored[:len(snap.Stored)-1]
	if _, err := foldAudits(ctx, store, snap, time.Time{}, true, logger(nil)); err != nil {
		b.Fatal(err)
	}
	repo.Close()
	path := filepath.Join(dir, ".git", "estate", "compliance-refs_estate_ledger.cache")
	before, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		b.StopTimer()
		if err := os.WriteFile(path, before, 0o644); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		warm, err := FoldCompliance(ctx, o)
		if err != nil || len(warm.Times) != 365 || warm.Len() != full.Len() {
			b.Fatalf("warm fold of %d audits: %v", len(warm.Times), err)
		}
	}
	b.StopTimer()
	after, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	t0 = time.Now()
	warm, err := FoldCompliance(ctx, o)
	warmT := time.Since(t0)
	if err != nil || !reflect.DeepEqual(warm.States(), full.States()) {
		b.Fatalf("the warm fold (%v) is not the full fold", err)
	}
	b.ReportMetric(float64(warmT.Milliseconds()), "warm-ms")
	b.ReportMetric(float64(fullT.Milliseconds()), "full-ms")
	b.ReportMetric(float64(len(before))/1e6, "cache364-MB")
	b.ReportMetric(float64(after.Size())/1e6, "cache-MB")
	b.ReportMetric(float64(full.Len()), "keys")
}

// BenchmarkChangesYear: every audit's changes over the year (what the
// report's compliance trend reads), from the ledger (no cache, timed once:
// full-ms) and, per iteration, from the cache of the first 364 audits and
// the 365th read from the ledger, as the day's report does. It reports
// the cache file's size.
func BenchmarkChangesYear(b *testing.B) {
	dir, _, _, _ := benchYear(b)
	ctx := context.Background()
	o := ComplianceOptions{Dir: dir, Ref: "refs/estate/ledger"}
	t0 := time.Now()
	full, err := ReadCompliance(ctx, ComplianceOptions{Dir: dir, Ref: o.Ref, NoCache: true})
	if err != nil || len(full) != 365 {
		b.Fatalf("read %d audits: %v", len(full), err)
	}
	fullT := time.Since(t0)
	repo, err := gitrepo.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	store := &gitstore.Store{Repo: repo, Ref: o.Ref}
	snap, err := store.Read(ctx)
	if err != nil {
		b.Fatal(err)
	}
	snap.Stored = snap.Stored[:len(snap.Stored)-1]
	if _, err := cachedAudits(ctx, store, snap); err != nil {
		b.Fatal(err)
	}
	repo.Close()
	path := filepath.Join(dir, ".git", "estate", "compliance-changes-refs_estate_ledger.cache")
	before, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	var got []compliance.Audit
	for b.Loop() {
		b.StopTimer()
		if err := os.WriteFile(path, before, 0o644); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		got, err = ReadCompliance(ctx, o)
		if err != nil || len(got) != 365 {
			b.Fatalf("read %d audits: %v", len(got), err)
		}
	}
	b.StopTimer()
	for i := range full {
		if !reflect.DeepEqual(got[i].Changes, full[i].Changes) {
			b.Fatalf("audit %d from the cache is not the ledger's", i)
		}
	}
	after, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(fullT.Milliseconds()), "full-ms")
	b.ReportMetric(float64(after.Size())/1e6, "cache-MB")
}
