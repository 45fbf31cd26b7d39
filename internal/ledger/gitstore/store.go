// Package gitstore keeps the ledger on a git ref (refs/estate/ledger by
// default): every append is one commit on top of the last, made with
// go-git (through internal/gitrepo) and published by a compare-and-swap of
// the ref, so two writers never lose an entry; the ref is never rewritten.
package gitstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/record"
)

// MaxShardBytes bounds one file of the ledger's tree when read.
const MaxShardBytes = 64 << 20

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
	Tip      string // "" for an empty ledger
	Stored   []ledger.Stored
	Findings []record.Finding // problems of the tree itself
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

// Read reads the ledger at its ref's tip.
func (s *Store) Read(ctx context.Context) (*Snapshot, error) {
	tip, ok, err := s.Repo.Ref(s.Ref)
	if err != nil {
		return nil, err
	}
	if !ok {
		return &Snapshot{}, nil
	}
	return s.ReadAt(ctx, tip)
}

// ReadAt reads the ledger as commit tip of its ref holds it.
func (s *Store) ReadAt(ctx context.Context, tip string) (*Snapshot, error) {
	files, err := s.Repo.ReadFiles(tip, MaxShardBytes)
	if err != nil {
		return nil, fmt.Errorf("read ledger %s: %w", s.Ref, err)
	}
	stored, finds := ledger.ParseTree(files)
	for i := range finds {
		finds[i].Pos.File = s.Ref + ":" + finds[i].Pos.File
	}
	return &Snapshot{Tip: tip, Stored: stored, Findings: finds}, ctx.Err()
}

// Commits returns the ledger ref's commits, newest first, as their
// messages describe them.
func (s *Store) Commits(ctx context.Context) ([]ledger.LedgerCommit, error) {
	out := []ledger.LedgerCommit{}
	err := s.Repo.RefLog(ctx, s.Ref, func(c gitrepo.CommitInfo) error {
		seq, hash, _ := ledger.ParseCommitMessage(c.Message)
		out = append(out, ledger.LedgerCommit{Hash: c.Hash, Parents: len(c.Parents), Seq: seq, Entry: hash})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the history of %s: %w", s.Ref, err)
	}
	return out, nil
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
			return nil, err
		}
		e, err := build(snap)
		if err != nil || e == nil {
			return nil, err
		}
		var lastSeq int64
		var lastRaw []byte
		if n := len(snap.Stored); n > 0 {
			last := snap.Stored[n-1]
			if last.Entry == nil {
				return nil, ErrBrokenLedger
			}
			lastSeq, lastRaw = last.Seq(), last.Raw
		}
		raw, err := ledger.Chain(e, lastSeq, lastRaw)
		if err != nil {
			return nil, err
		}
		shard := ledger.ShardPath(e.Seq)
		var data []byte
		if snap.Tip != "" {
			if old, _, ok, err := s.Repo.FileAt(snap.Tip, shard, MaxShardBytes); err != nil {
				return nil, err
			} else if ok {
				data = append(data, old...)
			}
		}
		data = append(append(data, raw...), '\n')
		msg := ledger.CommitMessage(e, ledger.Hash(raw))
		sig := gitrepo.Signature{Name: "estate ledger", Email: "ledger@estate.invalid", When: now()}
		commit, err := s.Repo.CommitFiles(snap.Tip, map[string][]byte{shard: data}, msg, sig)
		if err != nil {
			return nil, fmt.Errorf("append to ledger %s: %w", s.Ref, err)
		}
		err = s.Repo.UpdateRef(s.Ref, commit, snap.Tip)
		if err == nil {
			return e, nil
		}
		if !errors.Is(err, gitrepo.ErrRefChanged) || try+1 >= attempts {
			return nil, fmt.Errorf("append to ledger %s: %w", s.Ref, err)
		}
		// Another writer got there first: wait a little and rebuild on top.
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Duration(1+rand.IntN(10*(try+1))) * time.Millisecond):
		}
	}
}
