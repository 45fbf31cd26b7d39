package synth

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/ledger"
)

// HistoryConfig says what git history History generates.
type HistoryConfig struct {
	Commits int   // commits in all (first-parent and pull-request branch commits)
	Records int   // assets in the first commit (plus the estate's other records)
	Seed    int64 // same seed, same history (commit hashes included)
	// Start is the first commit's time (default 2024-01-01); commits are
	// about 20 minutes apart.
	Start time.Time
	// Ledger also writes refs/estate/ledger: a change-implemented entry,
	// approved, for every first-parent commit after the first, except
	// the direct pushes when Bypass is set.
	Ledger bool
	// Bypass makes the direct pushes (about 8% of the changes) missing
	// from the ledger, as commits that bypassed change control.
	Bypass bool
	// Repack repacks the repository when the import is done (git repack
	// -a -d -f), as git-fast-import's documentation recommends: its pack
	// deltifies each blob against the previous one written, so the newest
	// versions sit at the ends of long delta chains, unlike any pack git
	// itself writes (a clone, git gc). Reading the tip's 36,000 blobs of
	// the benchmark repository costs 1.0 s from the import's pack and
	// 0.27 s repacked. Minutes at 50,000 commits; small tests skip it.
	Repack bool
	// Progress, when set, receives a line per 1,000 commits written.
	Progress io.Writer
	// Hot, when above zero, makes about that many of the first-parent
	// commits also change one record (HistoryStats.HotPath), spread evenly
	// over the history: the long record history of the history benchmark.
	// That record is never renamed or removed.
	Hot int
}

// HistoryBenchConfig is the repository of the history benchmark in
// docs/performance.md: 20,000 commits over 2,000 assets, one record changed
// by 7,000 of them, with a ledger, repacked.
func HistoryBenchConfig() HistoryConfig {
	return HistoryConfig{Commits: 20000, Records: 2000, Seed: 7, Ledger: true, Repack: true, Hot: 7000}
}

// HistoryStats describes a generated history.
type HistoryStats struct {
	Commits, FirstParent, Merges, Squashes, Direct, Renames, Removed, Added int
	Entries                                                                 int      // ledger entries written
	Head                                                                    string   // the tip of main
	Paths                                                                   []string // record paths at the tip, sorted
	Gone                                                                    []string // record paths removed or renamed away
	HotPath                                                                 string   // the record Hot changes ("" without Hot)
	HotChanges                                                              int      // the first-parent commits that changed it after the import
}

var (
	reOwner = regexp.MustCompile(`(?m)^owner: .*$`)
	reLoc   = regexp.MustCompile(`(?m)^location: .*$`)
	reNotes = regexp.MustCompile(`(?m)^notes: .*\n`)
	reID    = regexp.MustCompile(`(?m)^id: .*$`)
	reHost  = regexp.MustCompile(`(?m)^hostname: .*$`)
)

// History writes a git repository at dir (created; branch main) whose
// history changes the records of a synthetic estate the way a team does:
// squash-merged and merge-committed pull requests (with a change request
// each), direct pushes, renames (a record's id changes with its file),
// removals and additions. It is written with one `git fast-import`, so a
// history of 50,000 commits takes seconds. The git CLI must be on PATH.
func History(ctx context.Context, dir string, cfg HistoryConfig) (*HistoryStats, error) {
	if cfg.Start.IsZero() {
		cfg.Start = time.Date(2024, 1, 1, 9, 0, 0, 0, time.UTC)
	}
	if err := (gitrepo.Git{}).Run(ctx, gitrepo.Command{Args: []string{"init", "-q", "-b", "main", dir}}); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	git := gitrepo.Git{Dir: dir}
	r := rand.New(rand.NewPCG(uint64(cfg.Seed), 0x6e57a7e))
	g := &histGen{r: r, cfg: cfg, files: map[string][]byte{}, when: cfg.Start}
	for _, f := range Generate(Config{Assets: cfg.Records, Seed: cfg.Seed, Now: cfg.Start}) {
		g.files[f.Path] = f.Data
		if strings.HasPrefix(f.Path, "inventory/") && !strings.HasPrefix(f.Path, "inventory/locations/") && !strings.HasPrefix(f.Path, "inventory/licences/") {
			g.live = append(g.live, f.Path)
		}
	}
	g.next = cfg.Records + 1
	sort.Strings(g.live)
	g.index = map[string]int{}
	for i, p := range g.live {
		g.index[p] = i
	}
	marks := filepath.Join(dir, ".git", "estate-synth-marks")
	progress := cfg.Progress
	if progress == nil {
		progress = io.Discard
	}
	p, err := git.Start(ctx, gitrepo.Command{Args: []string{"fast-import", "--quiet", "--export-marks=" + marks}, PipeStdin: true, Stdout: progress})
	if err != nil {
		return nil, err
	}
	g.w = bufio.NewWriterSize(p.Stdin, 1<<20)
	g.run()
	werr := g.w.Flush()
	p.Stdin.Close()
	if err := p.Wait(); err != nil {
		return nil, err
	}
	if werr != nil {
		return nil, fmt.Errorf("write to git fast-import: %w", werr)
	}
	hashes, err := readMarks(marks)
	os.Remove(marks)
	if err != nil {
		return nil, err
	}
	st := g.stats
	st.Head = hashes[g.mainMark]
	st.Paths = append([]string(nil), g.live...)
	sort.Strings(st.Paths)
	sort.Strings(g.gone)
	st.Gone = g.gone
	if g.hot != "" {
		st.HotPath = g.hot
	}
	if cfg.Ledger {
		n, err := g.writeLedger(ctx, git, hashes)
		if err != nil {
			return nil, err
		}
		st.Entries = n
	}
	cmds := [][]string{{"symbolic-ref", "HEAD", "refs/heads/main"}, {"update-ref", "-d", "refs/heads/pull"}}
	if cfg.Repack {
		cmds = append(cmds, []string{"repack", "-a", "-d", "-f", "-q", "--depth=50", "--window=10"})
	}
	for _, args := range cmds {
		if err := git.Run(ctx, gitrepo.Command{Args: args}); err != nil && args[0] != "update-ref" {
			return nil, err
		}
	}
	return &st, nil
}

type histGen struct {
	r     *rand.Rand
	cfg   HistoryConfig
	w     *bufio.Writer
	files map[string][]byte
	live  []string       // asset paths at main's tip
	index map[string]int // path → position in live
	gone  []string
	next  int // next asset number
	when  time.Time
	mark  int
	pr    int

	hot      string // the record cfg.Hot changes
	mainMark int
	stats    HistoryStats
	// changes made on main, for the ledger: mark → what it was
	main []mainChange
}

type mainChange struct {
	mark     int
	pr       int
	direct   bool
	author   string
	when     time.Time
	cr, typ  string
	risk     string
	title    string
	affected []ledger.Affected
}

var people = []string{"alice", "bob", "carol", "dan", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yuki"}

func (g *histGen) person() string { return people[g.r.IntN(len(people))] }

func (g *histGen) tick() time.Time {
	g.when = g.when.Add(time.Duration(10+g.r.IntN(20)) * time.Minute)
	return g.when
}

func (g *histGen) data(b []byte) {
	fmt.Fprintf(g.w, "data %d\n", len(b))
	g.w.Write(b)
	g.w.WriteByte('\n')
}

// commit writes a commit on branch with files (nil data: delete).
func (g *histGen) commit(branch string, from, merge int, author string, when time.Time, msg string, files map[string][]byte) int {
	g.mark++
	fmt.Fprintf(g.w, "commit %s\nmark :%d\n", branch, g.mark)
	sig := fmt.Sprintf("%s <%s@example.org> %d +0000", strings.ToUpper(author[:1])+author[1:], author, when.Unix())
	fmt.Fprintf(g.w, "author %s\ncommitter %s\n", sig, sig)
	g.data([]byte(msg))
	if from > 0 {
		fmt.Fprintf(g.w, "from :%d\n", from)
	}
	if merge > 0 {
		fmt.Fprintf(g.w, "merge :%d\n", merge)
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		if files[p] == nil {
			fmt.Fprintf(g.w, "D %s\n", p)
			continue
		}
		fmt.Fprintf(g.w, "M 100644 inline %s\n", p)
		g.data(files[p])
	}
	g.stats.Commits++
	if g.cfg.Progress != nil && g.stats.Commits%1000 == 0 {
		fmt.Fprintf(g.w, "progress %d commits\n", g.stats.Commits)
	}
	return g.mark
}

func (g *histGen) pick() string { return g.live[g.r.IntN(len(g.live))] }

// pickCold is pick, never the hot record.
func (g *histGen) pickCold() string {
	for {
		if p := g.pick(); p != g.hot {
			return p
		}
	}
}

// heat adds a change to the hot record to files when it is due: its
// changes so far trail cfg.Hot's share of the commits written.
func (g *histGen) heat(files map[string][]byte, aff *[]ledger.Affected) {
	if g.hot == "" || g.stats.HotChanges*g.cfg.Commits >= g.cfg.Hot*(g.stats.Commits+1) {
		return
	}
	if _, done := files[g.hot]; done {
		return
	}
	b, field := g.edit(g.hot)
	for string(b) == string(g.files[g.hot]) { // a location drawn again is no change
		b, field = g.edit(g.hot)
	}
	files[g.hot] = b
	g.files[g.hot] = b
	*aff = append(*aff, ledger.Affected{ID: strings.TrimSuffix(path.Base(g.hot), ".yaml"), Kind: "Asset", Class: path.Base(path.Dir(g.hot)),
		Path: g.hot, Action: "modified", Fields: []string{field}})
	g.stats.HotChanges++
}

func (g *histGen) addLive(p string) {
	g.index[p] = len(g.live)
	g.live = append(g.live, p)
}

func (g *histGen) dropLive(p string) {
	i, ok := g.index[p]
	if !ok {
		return
	}
	last := g.live[len(g.live)-1]
	g.live[i] = last
	g.index[last] = i
	g.live = g.live[:len(g.live)-1]
	delete(g.index, p)
	g.gone = append(g.gone, p)
}

// edit changes one field of the asset at p and returns the new bytes and
// the field's name.
func (g *histGen) edit(p string) ([]byte, string) {
	old := g.files[p]
	switch g.r.IntN(4) {
	case 0:
		if reOwner.Match(old) {
			return reOwner.ReplaceAll(old, []byte(fmt.Sprintf("owner: %s.%d@example.org", g.person(), g.r.IntN(100)))), "owner"
		}
	case 1:
		if reLoc.Match(old) {
			locs := []string{"LON-01", "NYC-01", "BER-01"}
			return reLoc.ReplaceAll(old, []byte("location: "+locs[g.r.IntN(len(locs))])), "location"
		}
	case 2:
		if reHost.Match(old) {
			return reHost.ReplaceAll(old, []byte(fmt.Sprintf("hostname: host-%d", g.r.IntN(1_000_000)))), "hostname"
		}
	}
	b := reNotes.ReplaceAll(old, nil)
	b = append(append([]byte(nil), b...), []byte(fmt.Sprintf("notes: \"change %d\"\n", g.r.IntN(1_000_000)))...)
	return b, "notes"
}

// change picks what one pull request or push does to the records.
func (g *histGen) change(n int) (map[string][]byte, []ledger.Affected) {
	files := map[string][]byte{}
	var aff []ledger.Affected
	for i := 0; i < n; i++ {
		p := g.pickCold() // the hot record changes where heat says
		if _, done := files[p]; done {
			continue
		}
		id := strings.TrimSuffix(path.Base(p), ".yaml")
		class := path.Base(path.Dir(p))
		b, field := g.edit(p)
		files[p] = b
		g.files[p] = b
		aff = append(aff, ledger.Affected{ID: id, Kind: "Asset", Class: class, Path: p, Action: "modified", Fields: []string{field}})
	}
	return files, aff
}

func (g *histGen) run() {
	first := map[string][]byte{}
	for p, b := range g.files {
		first[p] = b
	}
	g.mainMark = g.commit("refs/heads/main", 0, 0, "alice", g.tick(), "Import the estate\n", first)
	g.stats.FirstParent++
	if g.cfg.Hot > 0 && len(g.live) > 0 {
		g.hot = g.live[0]
	}
	for g.stats.Commits < g.cfg.Commits {
		g.pr++
		author := g.person()
		when := g.tick()
		roll := g.r.IntN(100)
		n := 1 + g.r.IntN(3)
		mc := mainChange{pr: g.pr, author: author, when: when, typ: "normal", risk: "low"}
		var files map[string][]byte
		switch {
		case roll < 8: // a direct push: no pull request, no change request
			files, mc.affected = g.change(1)
			g.heat(files, &mc.affected)
			mc.pr, mc.direct = 0, true
			mc.title = "Quick fix to " + mc.affected[0].ID
			g.mainMark = g.commit("refs/heads/main", g.mainMark, 0, author, when, mc.title+"\n", files)
			g.stats.Direct++
			g.pr--
		case roll < 14 && len(g.live) > 10: // rename: the id changes with the file
			p := g.pickCold()
			class := path.Base(path.Dir(p))
			oldID := strings.TrimSuffix(path.Base(p), ".yaml")
			prefix, _, _ := strings.Cut(oldID, "-")
			newID := fmt.Sprintf("%s-%06d", prefix, g.next)
			g.next++
			np := path.Join(path.Dir(p), newID+".yaml")
			b := reID.ReplaceAll(g.files[p], []byte("id: "+newID))
			files = map[string][]byte{p: nil, np: b}
			delete(g.files, p)
			g.files[np] = b
			g.dropLive(p)
			g.addLive(np)
			mc.affected = []ledger.Affected{{ID: newID, Kind: "Asset", Class: class, Path: np, From: p, Action: "renamed", Fields: []string{"id"}}}
			mc.title = fmt.Sprintf("Renumber %s as %s", oldID, newID)
			g.stats.Renames++
		case roll < 17 && len(g.live) > 10: // removal
			p := g.pickCold()
			files = map[string][]byte{p: nil}
			delete(g.files, p)
			g.dropLive(p)
			mc.affected = []ledger.Affected{{ID: strings.TrimSuffix(path.Base(p), ".yaml"), Kind: "Asset", Class: path.Base(path.Dir(p)), Path: p, Action: "removed"}}
			mc.title = "Remove " + mc.affected[0].ID
			g.stats.Removed++
		case roll < 20: // a new asset, copied from another with a new id
			src := g.pick()
			class := path.Base(path.Dir(src))
			prefix, _, _ := strings.Cut(strings.TrimSuffix(path.Base(src), ".yaml"), "-")
			newID := fmt.Sprintf("%s-%06d", prefix, g.next)
			g.next++
			np := path.Join(path.Dir(src), newID+".yaml")
			b := reID.ReplaceAll(g.files[src], []byte("id: "+newID))
			b = reHost.ReplaceAll(b, []byte("hostname: "+strings.ToLower(newID)))
			files = map[string][]byte{np: b}
			g.files[np] = b
			g.addLive(np)
			mc.affected = []ledger.Affected{{ID: newID, Kind: "Asset", Class: class, Path: np, Action: "added"}}
			mc.title = "Add " + newID
			g.stats.Added++
		default:
			files, mc.affected = g.change(n)
			mc.title = fmt.Sprintf("Update %d assets", len(mc.affected))
		}
		if !mc.direct {
			g.heat(files, &mc.affected)
		}
		if mc.direct {
			mc.mark = g.mainMark
			g.main = append(g.main, mc)
			g.stats.FirstParent++
			continue
		}
		switch g.r.IntN(20) {
		case 0:
			mc.typ, mc.risk = "emergency", "high"
		case 1, 2, 3, 4, 5, 6, 7, 8, 9, 10:
			mc.typ = "standard"
		case 11, 12, 13:
			mc.risk = "medium"
		}
		// Normal and emergency changes carry a change request (a file
		// under changes/); standard changes follow the catalogue.
		if mc.typ != "standard" {
			mc.cr = fmt.Sprintf("CR-%d-%05d", when.Year(), g.pr)
			crPath := "changes/" + mc.cr + ".yaml"
			cr := []byte(fmt.Sprintf("apiVersion: estate/v1\nkind: ChangeRequest\nid: %s\ntitle: %s\ntype: %s\nreason: Keep the inventory true to the floor.\nrisk: %s\n", mc.cr, mc.title, mc.typ, mc.risk))
			files[crPath] = cr
			g.files[crPath] = cr
			mc.affected = append(mc.affected, ledger.Affected{ID: mc.cr, Kind: "ChangeRequest", Path: crPath, Action: "added"})
		}
		if g.r.IntN(10) < 3 && g.stats.Commits+3 <= g.cfg.Commits {
			// A merge commit: the pull request's own commit(s) on a branch, merged.
			const branch = "refs/heads/pull"
			side := g.commit(branch, g.mainMark, 0, author, when.Add(-5*time.Minute), mc.title+"\n", files)
			if g.r.IntN(2) == 0 {
				more, aff := g.change(1)
				mc.affected = append(mc.affected, aff...)
				side = g.commit(branch, side, 0, author, when.Add(-2*time.Minute), "Address review comments\n", more)
				for p, b := range more {
					files[p] = b
				}
			}
			msg := fmt.Sprintf("Merge pull request #%d from estate/pr-%d\n\n%s\n", g.pr, g.pr, mc.title)
			g.mainMark = g.commit("refs/heads/main", g.mainMark, side, "web-flow", when, msg, files)
			g.stats.Merges++
		} else {
			msg := fmt.Sprintf("%s (#%d)\n", mc.title, g.pr)
			g.mainMark = g.commit("refs/heads/main", g.mainMark, 0, author, when, msg, files)
			g.stats.Squashes++
		}
		mc.mark = g.mainMark
		g.main = append(g.main, mc)
		g.stats.FirstParent++
	}
}

func readMarks(file string) (map[int]string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read fast-import marks: %w", err)
	}
	out := map[int]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var m int
		var h string
		if _, err := fmt.Sscanf(l, ":%d %s", &m, &h); err == nil {
			out[m] = h
		}
	}
	return out, nil
}

// writeLedger writes refs/estate/ledger with one approved
// change-implemented entry per first-parent commit after the import.
func (g *histGen) writeLedger(ctx context.Context, git gitrepo.Git, hashes map[int]string) (int, error) {
	p, err := git.Start(ctx, gitrepo.Command{Args: []string{"fast-import", "--quiet"}, PipeStdin: true, Stdout: io.Discard})
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriterSize(p.Stdin, 1<<20)
	var lastRaw []byte
	var seq int64
	for _, mc := range g.main {
		if mc.direct && g.cfg.Bypass {
			continue
		}
		approver := g.person()
		for approver == mc.author {
			approver = g.person()
		}
		e := &ledger.Entry{Kind: ledger.KindChangeImplemented, Time: ledger.FormatTime(mc.when),
			Commits: &ledger.Commits{Merge: hashes[mc.mark]}, PR: mc.pr, Change: mc.cr, Title: mc.title, Type: mc.typ, Risk: mc.risk,
			Author: mc.author + "@example.org", Approvers: []ledger.Approval{{By: approver + "@example.org", At: ledger.FormatTime(mc.when.Add(-time.Hour))}},
			Records: mc.affected}
		raw, err := ledger.Chain(e, seq, lastRaw)
		if err != nil {
			return 0, err
		}
		seq, lastRaw = e.Seq, raw
		msg := ledger.CommitMessage(e, raw)
		fmt.Fprintf(w, "commit refs/estate/ledger\ncommitter estate ledger <ledger@estate.invalid> %d +0000\ndata %d\n%s\n", mc.when.Unix(), len(msg), msg)
	}
	werr := w.Flush()
	p.Stdin.Close()
	if err := p.Wait(); err != nil {
		return 0, fmt.Errorf("write the ledger: %w", err)
	}
	if werr != nil {
		return 0, fmt.Errorf("write to git fast-import: %w", werr)
	}
	return int(seq), nil
}
