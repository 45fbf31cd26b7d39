package plan

import (
	"context"
	"fmt"

	"github.com/estate-dev/estate/internal/change"
	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/validate"
)

// reader reads the two sides of a plan: the changed files and the context
// records through validate, then (scan) the assets the plan needs beyond
// them.
type reader struct {
	o       Options
	s       *sides
	cat     *gitrepo.CatFile
	changed map[string]bool
	// changedBaselines are the baselines named by a changed file's path.
	changedBaselines []string
	cfiles           []change.File
	headSub          load.Tree
	head, base       *validate.Result
	// allAssets: every asset the impact needs is loaded.
	allAssets bool
	// broken are the references the change leaves dangling in assets it
	// does not touch (found by scan).
	broken []record.Finding
}

func (r *reader) close() {
	if r.cat != nil {
		r.cat.Close()
	}
}

// read validates both sides' changed files and context records. The
// core's Open reads whole trees; a plan reads a sub-tree of each side
// (gitrepo's Only) and picks which files go through the checks (Select),
// so it calls validate itself.
func (r *reader) read(ctx context.Context) error {
	o, s := r.o, r.s
	var from, to []load.Entry
	r.changed = map[string]bool{}
	for _, f := range s.files {
		r.cfiles = append(r.cfiles, change.File{Action: f.Action, From: f.From, To: f.To, Link: f.ToLink, Other: f.ToOther})
		if f.From != "" {
			from = append(from, load.Entry{Path: f.From, Blob: f.FromBlob, Link: f.FromLink, Problem: gitrepo.PathProblem(f.From)})
			r.changed[f.From] = true
		}
		if f.To != "" {
			e := load.Entry{Path: f.To, Blob: f.ToBlob, Link: f.ToLink, Problem: gitrepo.PathProblem(f.To)}
			if f.ToOther {
				e.Problem = "not a regular file"
			}
			to = append(to, e)
			r.changed[f.To] = true
		}
		for _, p := range []string{f.From, f.To} {
			if pl := load.Classify(p); pl.Kind == record.KindBaseline {
				r.changedBaselines = append(r.changedBaselines, pl.ID)
			}
		}
	}
	dirs := contextDirs
	if o.Full {
		dirs = load.Roots
	}
	var cache *validate.Cache
	if o.Cache && s.repo.Root != "" {
		cache = validate.OpenCache(validate.DefaultCachePath(s.repo.Root))
	}
	if s.engine == gitrepo.EngineGit {
		// Blobs through git cat-file too: the same engine for the whole
		// read, the changed files' blobs in one pipelined batch.
		var err error
		if r.cat, err = s.repo.StartCatFile(ctx); err != nil {
			return err
		}
		var ids []string
		for _, f := range s.files {
			ids = append(ids, f.FromBlob, f.ToBlob)
		}
		if err := r.cat.Preload(ctx, ids, load.DefaultLimits.MaxFileBytes); err != nil {
			return err
		}
	}
	// In the head, the changed files and the small context records go
	// through the YAML and schema layers; unchanged assets (read only when
	// every asset is needed) are only decoded. In the base, the changed
	// files are only decoded: every finding in a file the change touches
	// is the change's to fix, and the base's findings elsewhere are
	// subtracted as pre-existing.
	headSel := func(p, _ string) bool { return r.changed[p] || load.Classify(p).Kind != record.KindAsset }
	baseSel := func(p, _ string) bool { return !r.changed[p] && load.Classify(p).Kind != record.KindAsset }
	baseSub := s.baseTree.Only(dirs, from, r.cat)
	r.headSub = s.headTree.Only(dirs, to, r.cat)
	var err error
	r.head, err = validate.Run(ctx, validate.Options{Tree: r.headSub, Now: o.Now, Cache: cache, Select: headSel})
	if err != nil {
		return fmt.Errorf("read %s: %w", s.headTree.Name(), err)
	}
	// The base is judged by the head's schema, so that what differs is
	// the records, not the rules.
	r.base, err = validate.Run(ctx, validate.Options{Tree: baseSub, Now: o.Now, Cache: cache, Select: baseSel, Schema: r.head.Schema})
	if err != nil {
		return fmt.Errorf("read %s: %w", s.baseTree.Name(), err)
	}
	if cache != nil {
		if err := cache.Save(); err != nil {
			o.Log.Warn("cache not saved", "err", err)
		}
	}
	r.allAssets = o.Full
	return nil
}

// scan reads, without --full, the assets of the head beyond the changed
// files that the plan needs: those under a changed baseline (or one
// extending it), for the impact, and those that still name a record the
// change removes or renames, whose references it leaves dangling. One
// pass over the head's asset files finds both; with facts, the base's
// assets under the changed baselines are read too (the audit before the
// change).
func (r *reader) scan(ctx context.Context) error {
	if r.o.Full {
		return nil
	}
	var reached []string
	if len(r.changedBaselines) > 0 {
		reached = change.ReachedBaselines(r.base.Estate, r.head.Estate, r.changedBaselines)
		// A renamed baseline file may hold another name: look by file too.
		reached = append(reached, r.changedBaselines...)
	}
	gone := removedIDs(r.base.Estate, r.head.Estate)
	if len(reached) == 0 && gone.empty() {
		return nil
	}
	under := map[string]bool{}
	for _, b := range reached {
		under[b] = true
	}
	head := r.head.Estate
	var orphans []orphan
	var headAdds, baseAdds []*record.Record
	needles := append(append([]string(nil), reached...), gone.ids()...)
	inv := r.s.headTree.Only([]string{"inventory"}, nil, r.cat)
	err := scanAssets(ctx, inv, r.cat, needles, func(en load.Entry, a *record.Asset, pos func(string) record.Pos) {
		rec := &record.Record{Kind: record.KindAsset, ID: a.ID, Path: en.Path, Blob: en.Blob, Asset: a}
		if _, ok := head.Assets[a.ID]; !ok && under[a.Baseline] {
			headAdds = append(headAdds, rec)
		}
		if !r.changed[en.Path] && gone.namedBy(a) {
			orphans = append(orphans, orphan{rec: rec, pos: pos})
		}
	})
	if err != nil {
		return err
	}
	if len(reached) > 0 && r.o.Facts != "" {
		base := r.base.Estate
		inv := r.s.baseTree.Only([]string{"inventory"}, nil, r.cat)
		err := scanAssets(ctx, inv, r.cat, reached, func(en load.Entry, a *record.Asset, _ func(string) record.Pos) {
			if _, ok := base.Assets[a.ID]; !ok && under[a.Baseline] {
				baseAdds = append(baseAdds, &record.Record{Kind: record.KindAsset, ID: a.ID, Path: en.Path, Blob: en.Blob, Asset: a})
			}
		})
		if err != nil {
			return err
		}
	}
	// The assets found join the estates as records, not just by id: the
	// audit of the facts (compliance) judges the records of an estate.
	if len(headAdds) > 0 {
		r.head.Estate = record.NewEstate(append(head.Records, headAdds...))
	}
	if len(baseAdds) > 0 {
		r.base.Estate = record.NewEstate(append(r.base.Estate.Records, baseAdds...))
	}
	r.allAssets = len(reached) > 0
	r.broken = brokenRefs(r.head.Estate, orphans, gone)
	return nil
}
