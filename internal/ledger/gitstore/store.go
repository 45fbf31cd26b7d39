package gitstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/ledger"
)

// Store is the ledger on one ref of one repository.
type Store struct {
	Repo *gitrepo.Repo
	Ref  string
	// Now stamps ledger commits (not entries); default time.Now.
	Now func() time.Time
	// Attempts bounds the retries of a lost race (default 50).
	Attempts int
}

// Snapshot is the ledger as one commit of its ref holds it.
type Snapshot struct {
	Tip    string // "" for an empty ledger
	Stored []ledger.Stored
	// Files, set by a Build, are written into the tree of the commit that
	// appends its entry (e.g. an audit's compliance changes).
	Files map[string][]byte
}

// Entries returns the entries that decode, in order.
func (s *Snapshot) Entries() []*ledger.Entry {
	out := make([]*ledger.Entry, 0, len(s.Stored))
	for i := range s.Stored {
		if s.Stored[i].Entry != nil {
			out = append(out, s.Stored[i].Entry)
		}
	}
	return out
}

// Read reads the ledger: the entries the commits of its ref hold,
// oldest first.
func (s *Store) Read(ctx context.Context) (*Snapshot, error) {
	tip, ok, err := s.Repo.Ref(s.Ref)
	if err != nil {
		return nil, err
	}
	snap := &Snapshot{}
	if !ok {
		return snap, nil
	}
	snap.Tip = tip
	err = s.Repo.FirstParents(ctx, tip, func(c gitrepo.CommitInfo) error {
		snap.Stored = append(snap.Stored, ledger.FromCommit(c.Hash, len(c.Parents), c.Message))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read ledger %s: %w", s.Ref, err)
	}
	slices.Reverse(snap.Stored)
	return snap, nil
}

// Build makes the entry to append from the ledger as it stands, or
// returns nil when there is nothing to append (e.g. the event is already
// recorded). It may be called more than once, after a lost race.
type Build func(snap *Snapshot) (*ledger.Entry, error)

// ErrBrokenLedger says the ledger cannot be appended to because its last
// entry does not decode.
var ErrBrokenLedger = errors.New("the ledger's last entry is broken; run estate ledger verify")

// Append appends the entry build makes and returns it (with Seq and Prev
// set), or the nil entry when build had nothing to add. A race lost to
// another writer is retried on the new tip; no entry is lost or doubled.
func (s *Store) Append(ctx context.Context, build Build) (*ledger.Entry, error) {
	e, _, err := s.AppendCommit(ctx, build)
	return e, err
}

// AppendCommit is Append that also returns the ledger's tip it left:
// the new commit, or the tip it read when there was nothing to append.
func (s *Store) AppendCommit(ctx context.Context, build Build) (*ledger.Entry, string, error) {
	attempts := s.Attempts
	if attempts <= 0 {
		attempts = 50
	}
	now := s.Now
	if now == nil {
		now = time.Now
	}
	for try := 0; ; try++ {
		snap, err := s.Read(ctx)
		if err != nil {
			return nil, "", err
		}
		e, err := build(snap)
		if err != nil || e == nil {
			return nil, snap.Tip, err
		}
		var lastSeq int64
		var lastRaw []byte
		if n := len(snap.Stored); n > 0 {
			last := snap.Stored[n-1]
			if last.Entry == nil {
				return nil, "", ErrBrokenLedger
			}
			lastSeq, lastRaw = last.Seq(), last.Raw
		}
		raw, err := ledger.Chain(e, lastSeq, lastRaw)
		if err != nil {
			return nil, "", err
		}
		sig := gitrepo.Signature{Name: "estate ledger", Email: "ledger@estate.invalid", When: now()}
		commit, err := s.Repo.CommitFiles(snap.Tip, snap.Files, ledger.CommitMessage(e, raw), sig)
		if err != nil {
			return nil, "", fmt.Errorf("append to ledger %s: %w", s.Ref, err)
		}
		err = s.Repo.UpdateRef(s.Ref, commit, snap.Tip)
		if err == nil {
			return e, commit, nil
		}
		if !errors.Is(err, gitrepo.ErrRefChanged) || try+1 >= attempts {
			return nil, "", fmt.Errorf("append to ledger %s: %w", s.Ref, err)
		}
		// Another writer got there first: wait a little and rebuild on top.
		select {
		case <-ctx.Done():
			return nil, "", ctx.Err()
		case <-time.After(time.Duration(1+rand.IntN(10*(try+1))) * time.Millisecond):
		}
	}
}

// Head reads the ledger's head (its tip's entry and hash) without
// walking the chain; nil when the ref does not exist or its tip holds no
// entry.
func (s *Store) Head() (*ledger.Head, error) {
	tip, ok, err := s.Repo.Ref(s.Ref)
	if err != nil || !ok {
		return nil, err
	}
	c, err := s.Repo.Commit(tip)
	if err != nil {
		return nil, fmt.Errorf("read ledger %s: %w", s.Ref, err)
	}
	st := ledger.FromCommit(c.Hash, len(c.Parents), c.Message)
	return ledger.HeadOf([]ledger.Stored{st}), nil
}
