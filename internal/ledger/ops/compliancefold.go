package ops

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/estate-dev/estate/internal/cachefile"
	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/ledger/compliance"
	"github.com/estate-dev/estate/internal/ledger/gitstore"
)

// FoldOptions say which ledger to fold, and up to when.
type FoldOptions struct {
	Dir string // the repository
	Ref string // the ledger's ref ("" = ledger.ref of estate.yaml at HEAD)
	// Until, when set, leaves out the audits at the end of the ledger
	// made after it (an audit --as-of): the fold is of those before.
	Until time.Time
	Log   *slog.Logger
	// NoCache folds every audit from the ledger, as ledger verify reads
	// them, and neither reads nor writes the cache (tests compare it).
	NoCache bool
}

// FoldCompliance folds the compliance changes of the ledger's audits,
// oldest first, into their states at the last (compliance.Folded: the
// answers of compliance.Apply and FailingSinceAll over ReadCompliance's
// audits). The fold up to the ledger's last audit is cached in
// .git/estate/ by the commits of the audits it folded, so that a run
// reads only the shards of the audits recorded since; a ledger rewritten
// under the cache (its audits are no longer those the cache folded), a
// cache that does not verify, and an Until before the last audit fold
// every audit again. ledger verify never reads the cache.
func FoldCompliance(ctx context.Context, o FoldOptions) (*compliance.Folded, error) {
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
	return foldAudits(ctx, store, snap, o.Until, !o.NoCache, logger(o.Log))
}

// auditRef is one audit entry with compliance changes: where it is.
type auditRef struct {
	seq    int64
	commit string
	at     time.Time
	st     *ledger.Stored
}

// auditRefs lists snap's audit entries with compliance changes, in order.
func auditRefs(snap *gitstore.Snapshot) []auditRef {
	var out []auditRef
	for i := range snap.Stored {
		st := &snap.Stored[i]
		e := st.Entry
		if e == nil || e.Kind != ledger.KindAudit || e.Audit == nil || e.Audit.Changes == nil {
			continue
		}
		out = append(out, auditRef{seq: e.Seq, commit: st.Commit, at: e.When(), st: st})
	}
	return out
}

// foldAudits folds snap's audits (those up to until, when set), from the
// cache when it holds a prefix of them.
func foldAudits(ctx context.Context, store *gitstore.Store, snap *gitstore.Snapshot, until time.Time, useCache bool, log *slog.Logger) (*compliance.Folded, error) {
	refs := auditRefs(snap)
	all := len(refs)
	n := all
	for !until.IsZero() && n > 0 && refs[n-1].at.After(until) {
		n--
	}
	path := ""
	if useCache {
		path = foldCachePath(store)
	}
	var f *compliance.Folded
	if path != "" {
		f = loadFold(log, path, store.Ref, refs[:n])
	}
	from := 0
	if f != nil {
		from = len(f.Times)
	} else {
		f = compliance.NewFolded()
	}
	if err := foldRange(ctx, store, refs[from:n], f); err != nil {
		return nil, err
	}
	if path != "" && n == all && n > from {
		if err := saveFold(path, store.Ref, refs[:n], f); err != nil {
			log.Debug("the compliance fold's cache was not written", "path", path, "err", err)
		}
	}
	return f, nil
}

// foldRange folds refs' audits into f, in order; a context that ends is
// its error, never a fold of part of them.
func foldRange(ctx context.Context, store *gitstore.Store, refs []auditRef, f *compliance.Folded) error {
	return readAudits(ctx, store, refs, func(a compliance.Audit) error {
		f.Add(a)
		return nil
	})
}

// foldCacheName and foldCacheVersion name the cache file's format.
const (
	foldCacheName    = "compliance-fold"
	foldCacheVersion = 1
)

func foldCachePath(store *gitstore.Store) string {
	dir, err := store.Repo.GitDir()
	if err != nil {
		return ""
	}
	name := strings.NewReplacer("/", "_", "\\", "_").Replace(store.Ref)
	return filepath.Join(dir, "estate", "compliance-"+name+".cache")
}

// The payload: the ref, the audits folded (sequence number and commit
// each), then the fold (compliance.Folded.MarshalBinary).
func saveFold(path, ref string, refs []auditRef, f *compliance.Folded) error {
	var b []byte
	b = appendString(b, ref)
	b = binary.AppendUvarint(b, uint64(len(refs)))
	for _, r := range refs {
		b = binary.AppendVarint(b, r.seq)
		b = appendString(b, r.commit)
	}
	return cachefile.Write(path, foldCacheName, foldCacheVersion, b, f.MarshalBinary())
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// loadFold reads the cached fold when it is of ref and folds a prefix of
// refs (the same audits, at the same commits): nil otherwise, or when the
// file is missing, damaged or cannot be decoded (logged).
func loadFold(log *slog.Logger, path, ref string, refs []auditRef) *compliance.Folded {
	data, ok := cachefile.Load(log, path, foldCacheName, foldCacheVersion)
	if !ok {
		return nil
	}
	r := bytes.NewReader(data)
	str := func() (string, bool) {
		l, err := binary.ReadUvarint(r)
		if err != nil || l > uint64(r.Len()) {
			return "", false
		}
		s := make([]byte, l)
		_, err = r.Read(s)
		return string(s), err == nil
	}
	bad := func(why string) *compliance.Folded {
		cachefile.Invalid(log, path, foldCacheName, fmt.Errorf("%s", why))
		return nil
	}
	got, ok := str()
	if !ok {
		return bad("no ref")
	}
	if got != ref {
		return nil // the cache of another ref's ledger (a name that maps to the same file)
	}
	m, err := binary.ReadUvarint(r)
	if err != nil {
		return bad("no count of audits")
	}
	if m > uint64(len(refs)) {
		// More audits than these: the ledger was rewritten, or the fold
		// asked for ends before the cache's (--as-of).
		return nil
	}
	for i := range int(m) {
		seq, err := binary.ReadVarint(r)
		commit, ok := str()
		if err != nil || !ok {
			return bad("an audit is cut short")
		}
		if seq != refs[i].seq || commit != refs[i].commit {
			return nil // rewritten: fold again
		}
	}
	times := make([]time.Time, m)
	for i := range times {
		times[i] = refs[i].at
	}
	f, err := compliance.UnmarshalFolded(data[len(data)-r.Len():], times)
	if err != nil {
		cachefile.Invalid(log, path, foldCacheName, err)
		return nil
	}
	return f
}
