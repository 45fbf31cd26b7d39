package ops

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/ledger/compliance"
	"github.com/estate-dev/estate/internal/ledger/gitstore"
)

// maxShard bounds one compliance shard read from the ledger.
const maxShard = 64 << 20

// ComplianceOptions say whose compliance changes to read.
type ComplianceOptions struct {
	Dir string // the repository
	Ref string // the ledger's ref ("" = ledger.ref of estate.yaml at HEAD)
	// Asset, when set, reads only that device's changes (one shard per
	// audit); else every device's, from the cache of them in
	// .git/estate/ and the audits recorded since it.
	Asset string
	// NoCache reads every device's changes from the ledger, as ledger
	// verify does, and neither reads nor writes the cache.
	NoCache bool
}

// ReadCompliance reads the compliance changes of every audit entry of the
// ledger that has them, oldest first.
func ReadCompliance(ctx context.Context, o ComplianceOptions) ([]compliance.Audit, error) {
	repo, err := openRepo(o.Dir)
	if err != nil {
		return nil, err
	}
	defer repo.Close()
	store := &gitstore.Store{Repo: repo, Ref: ledgerRef(repo, "", o.Ref)}
	snap, err := store.Read(ctx)
	if err != nil {
		return nil, err
	}
	if o.Asset == "" && !o.NoCache {
		return cachedAudits(ctx, store, snap)
	}
	return complianceAudits(store, snap, o.Asset)
}

// complianceAudits reads the changes of snap's audit entries: asset's
// shard only, or all shards when asset is "".
func complianceAudits(store *gitstore.Store, snap *gitstore.Snapshot, asset string) ([]compliance.Audit, error) {
	out, err := complianceAuditsAll(store, snap, asset)
	if err != nil || asset == "" {
		return out, err
	}
	// One device: its shard of each audit, read in one pipelined git
	// cat-file batch (go-git when git is not installed).
	name := path.Join(compliance.Dir, compliance.Shard(asset))
	commits := map[int64]string{}
	for i := range snap.Stored {
		if e := snap.Stored[i].Entry; e != nil {
			commits[e.Seq] = snap.Stored[i].Commit
		}
	}
	datas := make([][]byte, len(out))
	cat, err := store.Repo.StartCatFile(context.Background())
	if err == nil {
		defer cat.Close()
		files := make([]gitrepo.RevPath, len(out))
		for i, a := range out {
			files[i] = gitrepo.RevPath{Rev: commits[a.Seq], Path: name}
		}
		err = cat.StreamFiles(context.Background(), files, maxShard, func(i int, _ string, data []byte, err error) error {
			if err != nil {
				return failure(fmt.Errorf("ledger entry %d: %w", out[i].Seq, err), "run estate ledger verify")
			}
			datas[i] = data
			return nil
		})
		if err != nil {
			return nil, err
		}
	} else {
		for i, a := range out {
			data, _, ok, err := store.Repo.FileAt(commits[a.Seq], name, maxShard)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, failure(fmt.Errorf("ledger entry %d: %s is missing from its commit %.12s", a.Seq, name, commits[a.Seq]), "run estate ledger verify")
			}
			datas[i] = data
		}
	}
	for i := range out {
		cs, err := compliance.Decode(fmt.Sprintf("ledger entry %d: %s", out[i].Seq, name), datas[i])
		if err != nil {
			return nil, failure(err, "run estate ledger verify")
		}
		for _, c := range cs {
			if c.Asset == asset {
				out[i].Changes = append(out[i].Changes, c)
			}
		}
	}
	return out, nil
}

// complianceAuditsAll lists snap's audit entries with compliance changes
// and, when asset is "", reads and checks all their shards.
func complianceAuditsAll(store *gitstore.Store, snap *gitstore.Snapshot, asset string) ([]compliance.Audit, error) {
	var out []compliance.Audit
	for _, r := range auditRefs(snap) {
		if asset != "" {
			out = append(out, compliance.Audit{Seq: r.seq, At: r.at})
			continue
		}
		a, err := readAudit(store, r.st)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// readAudit reads and checks all the shards of an audit entry (one with
// compliance changes).
func readAudit(store *gitstore.Store, st *ledger.Stored) (compliance.Audit, error) {
	files, err := store.Repo.ReadFiles(st.Commit, maxShard)
	if err != nil {
		return compliance.Audit{}, failure(fmt.Errorf("ledger entry %d: read its compliance changes from commit %.12s: %w", st.Entry.Seq, st.Commit, err),
			"the ledger's objects are missing (a shallow or partial clone?): fetch the ledger's ref in full, then run estate ledger verify")
	}
	return auditOf(st, files)
}

// auditOf checks and decodes the compliance shards among files, the
// files of audit entry st's commit.
func auditOf(st *ledger.Stored, files map[string][]byte) (compliance.Audit, error) {
	e := st.Entry
	a := compliance.Audit{Seq: e.Seq, At: e.When()}
	shards := make([][]byte, compliance.Shards)
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names) // the changes in shard order, whatever the map's
	for _, name := range names {
		data := files[name]
		rest, ok := strings.CutPrefix(name, compliance.Dir+"/")
		if !ok {
			continue
		}
		var n int
		if _, err := fmt.Sscanf(rest, "%02x", &n); err != nil || len(rest) != 2 {
			return a, failure(fmt.Errorf("ledger entry %d: %s is not a compliance shard", e.Seq, name), "run estate ledger verify")
		}
		shards[n] = data
		cs, err := compliance.Decode(fmt.Sprintf("ledger entry %d: %s", e.Seq, name), data)
		if err != nil {
			return a, failure(err, "run estate ledger verify")
		}
		a.Changes = append(a.Changes, cs...)
	}
	if d := compliance.Digest(shards); d != e.Audit.Changes.Digest || len(a.Changes) != e.Audit.Changes.Count {
		return a, failure(fmt.Errorf("ledger entry %d: its compliance changes (%d, %s) are not those it records (%d, %s)",
			e.Seq, len(a.Changes), d, e.Audit.Changes.Count, e.Audit.Changes.Digest), "run estate ledger verify")
	}
	return a, nil
}

// currentStates is the compliance state an audit report shows: failing
// and unverified controls from its findings, exemptions in force from the
// estate audited; judged says which assets the audit looked at (in use,
// with a baseline, not missing).
func currentStates(rep *auditReport, est *core.Estate, day string) (map[compliance.Key]compliance.State, func(string) bool) {
	cur := map[compliance.Key]compliance.State{}
	missing := map[string]bool{}
	for _, f := range rep.Findings {
		id, _ := f["record"].(string)
		rule, _ := f["rule"].(string)
		ctl, _ := f["control"].(string)
		if id == "" {
			continue
		}
		k := compliance.Key{Asset: id, Control: ctl}
		switch rule {
		case "audit/missing":
			missing[id] = true
		case "audit/control":
			cur[k] = compliance.Fail
		case "audit/unverified", "audit/bad-fact":
			if cur[k] != compliance.Fail {
				cur[k] = compliance.Unverified
			}
		}
	}
	for id, a := range est.Assets {
		for _, x := range a.Exemptions {
			if x.Control != "" && x.Expires >= day {
				if _, ok := cur[compliance.Key{Asset: id, Control: x.Control}]; !ok {
					cur[compliance.Key{Asset: id, Control: x.Control}] = compliance.Exempt
				}
			}
		}
	}
	// An audit that saw only some devices (it collected them itself)
	// judged only those: the others keep their state, never "pass".
	var seen map[string]bool
	if rep.Partial != nil {
		seen = make(map[string]bool, len(rep.Partial.Seen))
		for _, id := range rep.Partial.Seen {
			seen[id] = true
		}
	}
	judged := func(id string) bool {
		a := est.Assets[id]
		return a != nil && a.Baseline != "" && (a.Status == "deployed" || a.Status == "loaned") && !missing[id] && (seen == nil || seen[id])
	}
	return cur, judged
}

// readAudits reads refs' audits in order (readAudit each) and calls fn
// for each. With git installed, the shards of a few audits at a time come
// from one git cat-file --batch (git inflates them, in its own process:
// go-git's inflating was half of a year's cold fold); the first trouble
// there (a missing or oversized object, git failing) sends the rest to
// readAudit, whose go-git read gives the error it always gave. The bytes
// read are the same either way, and so are the audits.
func readAudits(ctx context.Context, store *gitstore.Store, refs []auditRef, fn func(compliance.Audit) error) error {
	next := 0
	if len(refs) > 1 {
		if cat, err := store.Repo.StartCatFile(ctx); err == nil {
			var ferr error
			next, ferr = streamAudits(ctx, store, cat, refs, fn)
			cat.Close()
			if ferr != nil {
				return ferr
			}
		}
	}
	for _, r := range refs[next:] {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("read the ledger's compliance changes: %w", err)
		}
		a, err := readAudit(store, r.st)
		if err != nil {
			return err
		}
		if err := fn(a); err != nil {
			return err
		}
	}
	return nil
}

// streamAudits is readAudits' cat-file part: it returns how many of refs
// it read and passed to fn, stopping at the first audit with trouble, and
// fn's error.
func streamAudits(ctx context.Context, store *gitstore.Store, cat *gitrepo.CatFile, refs []auditRef, fn func(compliance.Audit) error) (int, error) {
	const batch = 16 // audits per request: 4,096 shards, a few MB
	done := 0
	for done < len(refs) {
		part := refs[done:min(done+batch, len(refs))]
		lists := make([][]gitrepo.FileBlob, len(part))
		var ids []string
		for i, r := range part {
			l, err := store.Repo.ListFiles(r.commit)
			if err != nil {
				return done, nil
			}
			lists[i] = l
			for _, f := range l {
				ids = append(ids, f.Blob)
			}
		}
		blobs := make(map[string][]byte, len(ids))
		err := cat.Stream(ctx, ids, maxShard, func(id string, data []byte, err error) error {
			if err != nil {
				return err
			}
			blobs[id] = data
			return nil
		})
		if err != nil {
			return done, nil
		}
		for i, r := range part {
			files := make(map[string][]byte, len(lists[i]))
			for _, f := range lists[i] {
				data, ok := blobs[f.Blob]
				if !ok {
					return done, nil
				}
				files[f.Path] = data
			}
			a, err := auditOf(r.st, files)
			if err != nil {
				return done, nil // readAudit says the same, from go-git
			}
			if err := fn(a); err != nil {
				return done, err
			}
			done++
		}
	}
	return done, nil
}
