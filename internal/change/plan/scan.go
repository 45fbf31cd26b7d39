package plan

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/rules"
)

// scanAssets calls fn for each asset file of tree whose bytes hold one of
// needles: only those files are parsed (through load) and decoded. pos
// places a field of the file's record. Files that cannot be read or
// parsed are skipped: the validation of the tree reports them.
func scanAssets(ctx context.Context, tree load.Tree, cat *gitrepo.CatFile, needles []string,
	fn func(en load.Entry, a *record.Asset, pos func(field string) record.Pos)) error {
	entries, err := tree.Entries(ctx)
	if err != nil {
		return fmt.Errorf("list assets of %s: %w", tree.Name(), err)
	}
	seen := map[string]bool{}
	var ns [][]byte
	for _, n := range needles {
		if n != "" && !seen[n] {
			seen[n] = true
			ns = append(ns, []byte(n))
		}
	}
	consider := func(en load.Entry, data []byte) {
		hit := false
		for _, n := range ns {
			if bytes.Contains(data, n) {
				hit = true
				break
			}
		}
		if !hit {
			return
		}
		root, fs := load.Parse(en.Path, data)
		if fs != nil || root == nil {
			return
		}
		a := new(record.Asset)
		if root.Decode(a) != nil || a.ID == "" {
			return
		}
		fn(en, a, func(field string) record.Pos { return load.PosOf(en.Path, root, field) })
	}
	var assets []load.Entry
	for _, en := range entries {
		if en.Problem == "" && load.Classify(en.Path).Kind == record.KindAsset {
			assets = append(assets, en)
		}
	}
	if cat != nil {
		// One pipelined batch through git cat-file, in entry order.
		byBlob := map[string][]load.Entry{}
		var ids []string
		for _, en := range assets {
			if len(byBlob[en.Blob]) == 0 {
				ids = append(ids, en.Blob)
			}
			byBlob[en.Blob] = append(byBlob[en.Blob], en)
		}
		return cat.Stream(ctx, ids, load.DefaultLimits.MaxFileBytes, func(id string, data []byte, err error) error {
			if err == nil {
				for _, en := range byBlob[id] {
					consider(en, data)
				}
			}
			return nil
		})
	}
	for _, en := range assets {
		if err := ctx.Err(); err != nil {
			return err
		}
		if data, err := tree.ReadFile(en, load.DefaultLimits.MaxFileBytes); err == nil {
			consider(en, data)
		}
	}
	return nil
}

// removed are the ids of the records an asset may name that the base has
// and the head has not (removed, or renamed to another id).
type removed struct {
	locations, baselines, licences, changes map[string]bool
}

func removedIDs(base, head *record.Estate) removed {
	gone := func(b, h map[string]bool) map[string]bool {
		out := map[string]bool{}
		for id := range b {
			if !h[id] {
				out[id] = true
			}
		}
		return out
	}
	return removed{
		locations: gone(idsOf(base.Locations), idsOf(head.Locations)),
		baselines: gone(idsOf(base.Baselines), idsOf(head.Baselines)),
		licences:  gone(idsOf(base.Licences), idsOf(head.Licences)),
		changes:   gone(idsOf(base.Changes), idsOf(head.Changes)),
	}
}

func idsOf[V any](m map[string]*V) map[string]bool {
	out := make(map[string]bool, len(m))
	for id := range m {
		out[id] = true
	}
	return out
}

func (g removed) empty() bool {
	return len(g.locations)+len(g.baselines)+len(g.licences)+len(g.changes) == 0
}

// ids are every removed id, sorted.
func (g removed) ids() []string {
	var out []string
	for _, m := range []map[string]bool{g.locations, g.baselines, g.licences, g.changes} {
		for id := range m {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// names reports whether field of asset a (as the reference rule names it)
// holds a removed id.
func (g removed) names(a *record.Asset, field string) bool {
	head, rest, _ := strings.Cut(field, ".")
	idx, _, _ := strings.Cut(rest, ".")
	i, err := strconv.Atoi(idx)
	switch {
	case field == "location":
		return g.locations[a.Location]
	case field == "baseline":
		return g.baselines[a.Baseline]
	case head == "licences" && err == nil && i < len(a.Licences):
		return g.licences[a.Licences[i]]
	case head == "exemptions" && strings.HasSuffix(field, ".change") && err == nil && i < len(a.Exemptions):
		return g.changes[a.Exemptions[i].Change]
	}
	return false
}

// namedBy reports whether asset a names a removed record.
func (g removed) namedBy(a *record.Asset) bool {
	if g.locations[a.Location] || g.baselines[a.Baseline] {
		return true
	}
	for _, l := range a.Licences {
		if g.licences[l] {
			return true
		}
	}
	for _, x := range a.Exemptions {
		if g.changes[x.Change] {
			return true
		}
	}
	return false
}

// orphan is an asset the change does not touch that names a record it
// removes, with the means to place a field of its file.
type orphan struct {
	rec *record.Record
	pos func(field string) record.Pos
}

// brokenRefs runs the cross-record reference rule over the orphans and
// the head's records that are not assets, and keeps the findings on the
// references to removed records: the same findings a --full plan gets
// from the head's validation, placed on their lines.
func brokenRefs(head *record.Estate, orphans []orphan, gone removed) []record.Finding {
	if len(orphans) == 0 {
		return nil
	}
	var ref rules.Rule
	for _, r := range rules.All {
		if r.Name() == "reference" {
			ref = r
		}
	}
	if ref == nil {
		return nil
	}
	var recs []*record.Record
	for _, rec := range head.Records {
		if rec.Kind != record.KindAsset {
			recs = append(recs, rec)
		}
	}
	byPath := map[string]orphan{}
	for _, o := range orphans {
		recs = append(recs, o.rec)
		byPath[o.rec.Path] = o
	}
	var out []record.Finding
	for _, f := range ref.Check(record.NewEstate(recs), rules.Env{}) {
		o, ok := byPath[f.Pos.File]
		if !ok || !gone.names(o.rec.Asset, f.Field) {
			continue
		}
		f.Pos = o.pos(f.Field)
		out = append(out, f)
	}
	return out
}
