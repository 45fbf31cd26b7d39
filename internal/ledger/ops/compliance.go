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
	e := st.Entry
	a := compliance.Audit{Seq: e.Seq, At: e.When()}
	files, err := store.Repo.ReadFiles(st.Commit, maxShard)
	if err != nil {
		return a, failure(fmt.Errorf("ledger entry %d: read its compliance changes from commit %.12s: %w", e.Seq, st.Commit, err),
			"the ledger's objects are missing (a shallow or partial clone?): fetch the ledger's ref in full, then run estate ledger verify")
	}
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
