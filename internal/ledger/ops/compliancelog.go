package ops

import (
	"context"
	"encoding/binary"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/estate-dev/estate/internal/cachefile"
	"github.com/estate-dev/estate/internal/ledger/compliance"
	"github.com/estate-dev/estate/internal/ledger/gitstore"
)

// changesCacheName and changesCacheVersion name the format of the cache
// of every audit's changes (what the report's trend reads).
const (
	changesCacheName    = "compliance-changes"
	changesCacheVersion = 1
)

func changesCachePath(store *gitstore.Store) string {
	dir, err := store.Repo.GitDir()
	if err != nil {
		return ""
	}
	name := strings.NewReplacer("/", "_", "\\", "_").Replace(store.Ref)
	return filepath.Join(dir, "estate", "compliance-changes-"+name+".cache")
}

// errStale: the cache's audits are not the ledger's (rewritten, cut back).
var errStale = errors.New("the ledger's audits are not the cache's")

// cachedAudits is complianceAudits(store, snap, "") from the cache of
// every audit's changes (a compliance.Log after the ref's name) when its
// audits are the first of snap's (same sequence numbers and commits),
// the audits after them read from the ledger and appended to it as a new
// segment. A cache that does not verify or decode, or of other audits,
// is read again in full.
func cachedAudits(ctx context.Context, store *gitstore.Store, snap *gitstore.Snapshot) ([]compliance.Audit, error) {
	refs := auditRefs(snap)
	path := changesCachePath(store)
	log := slog.Default()
	var out []compliance.Audit
	l := compliance.NewLog()
	var kept []byte // the cache's payload, when all of it is of these audits
	if path != "" {
		if data, ok := cachefile.Load(log, path, changesCacheName, changesCacheVersion); ok {
			rest, ref, ok := cutString(data)
			err := errStale
			if ok && ref == store.Ref {
				err = l.Read(rest, func(seq int64, commit string, cs []compliance.Change) error {
					i := len(out)
					if i >= len(refs) || refs[i].seq != seq || refs[i].commit != commit {
						return errStale
					}
					out = append(out, compliance.Audit{Seq: seq, At: refs[i].at, Changes: cs})
					return nil
				})
			}
			switch {
			case err == nil:
				kept = data
			case !errors.Is(err, errStale):
				cachefile.Invalid(log, path, changesCacheName, err)
				fallthrough
			default:
				out, l = nil, compliance.NewLog()
			}
		}
	}
	var seg []compliance.LogAudit
	err := readAudits(ctx, store, refs[len(out):], func(a compliance.Audit) error {
		r := refs[len(out)]
		out = append(out, a)
		seg = append(seg, compliance.LogAudit{Seq: r.seq, Commit: r.commit, Changes: a.Changes})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if path != "" && len(seg) > 0 {
		if kept == nil {
			kept = binary.AppendUvarint(nil, uint64(len(store.Ref)))
			kept = append(kept, store.Ref...)
		}
		if err := cachefile.Write(path, changesCacheName, changesCacheVersion, kept, l.AppendSegment(nil, seg)); err != nil {
			log.Debug("the cache of the ledger's compliance changes was not written", "path", path, "err", err)
		}
	}
	return out, nil
}

// cutString reads a length and that many bytes off the front of b.
func cutString(b []byte) ([]byte, string, bool) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return nil, "", false
	}
	return b[k+int(n):], string(b[k : k+int(n)]), true
}
