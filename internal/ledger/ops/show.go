package ops

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/ledger/gitstore"
)

// ShowOptions say which entries Show reads.
type ShowOptions struct {
	Dir string // the repository
	Ref string // the ledger's ref ("" = ledger.ref of estate.yaml at HEAD)
	// Seqs names the entries wanted (none = all).
	Seqs []int64
	// AllowEmpty accepts a ledger ref that does not exist as an empty
	// ledger; without it that is an error.
	AllowEmpty bool
}

// ShowResult is the entries Show read, by sequence number.
type ShowResult struct {
	Ref     string
	Tip     string // the ref's commit; "" for an empty ledger
	Entries []*ledger.Entry
	// Undecoded counts the commits of the ledger (not its tip) that hold
	// no entry; estate ledger verify names them.
	Undecoded int
}

// Show reads the ledger's entries. A ref that does not exist is an error
// unless o.AllowEmpty, and so is a ref whose commit holds no ledger entry
// (a branch named by mistake, say): printing nothing would look like an
// empty ledger.
func Show(ctx context.Context, o ShowOptions) (*ShowResult, error) {
	repo, err := openRepo(o.Dir)
	if err != nil {
		return nil, err
	}
	defer repo.Close()
	store := &gitstore.Store{Repo: repo, Ref: ledgerRef(repo, "", o.Ref)}
	res := &ShowResult{Ref: store.Ref}
	tip, ok, err := repo.Ref(store.Ref)
	if err != nil {
		return nil, err
	}
	if !ok {
		if o.AllowEmpty {
			return res, nil
		}
		return nil, usage(fmt.Errorf("no ledger: %s does not exist in this repository", store.Ref),
			"record the first entry with estate ledger record, fetch the ledger (git fetch origin "+store.Ref+":"+store.Ref+
				"), name another ref with --ref, or give --allow-empty to take a missing ledger as empty")
	}
	// Check the tip before walking: a branch named by mistake may be long.
	ci, err := repo.Commit(tip)
	if err != nil {
		return nil, err
	}
	if s := ledger.FromCommit(ci.Hash, len(ci.Parents), ci.Message); s.Entry == nil {
		err := fmt.Errorf("%s points at commit %.12s (%q), which is not a ledger entry", store.Ref, ci.Hash, ci.Subject)
		if strings.HasPrefix(ci.Subject, "ledger: entry ") {
			err = fmt.Errorf("%w: %w", err, s.Err) // an entry estate wrote, damaged
		}
		return nil, usage(err,
			"a ledger entry is a commit made by estate ledger record, its message \"ledger: entry N KIND\", a blank line and the entry's JSON;"+
				" check that --ref (or ledger.ref in estate.yaml) names the ledger, not a branch")
	}
	snap, err := store.Read(ctx)
	if err != nil {
		return nil, err
	}
	res.Tip = snap.Tip
	want := map[int64]bool{}
	for _, n := range o.Seqs {
		want[n] = true
	}
	for _, s := range snap.Stored {
		switch {
		case s.Entry == nil:
			res.Undecoded++
		case len(want) == 0 || want[s.Entry.Seq]:
			res.Entries = append(res.Entries, s.Entry)
		}
	}
	sort.Slice(res.Entries, func(i, j int) bool { return res.Entries[i].Seq < res.Entries[j].Seq })
	return res, nil
}

// Head reads the head of the ledger of the repository at dir (ref "" =
// ledger.ref of estate.yaml at HEAD): what audit reports and evidence
// packs record as ledger_head. nil, without an error, when dir is not in
// a git repository or the ledger is empty.
func Head(dir, ref string) (*ledger.Head, error) {
	if _, ok, err := gitrepo.Enclosing(dir); err != nil || !ok {
		return nil, nil
	}
	repo, err := openRepo(dir)
	if err != nil {
		return nil, err
	}
	defer repo.Close()
	return (&gitstore.Store{Repo: repo, Ref: ledgerRef(repo, "", ref)}).Head()
}
