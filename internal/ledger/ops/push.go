package ops

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/ledger/gitstore"
)

// pushAttempts bounds the fetch, append and push rounds of one entry.
const pushAttempts = 10

// Writer says where the ledger's new entries go: to the local ref only,
// or to a remote as well.
type Writer struct {
	// Push names the remote to push each entry to; "" keeps it local.
	Push string
	// Remote fetches and pushes (default: GitRemote of the repository,
	// run in the directory the repository was opened from).
	Remote Remote
	Log    *slog.Logger
}

// retryWait is the pause before attempt+1: growing, with jitter so that
// two writers that raced do not race again in step.
var retryWait = func(attempt int) time.Duration {
	return time.Duration(attempt*50+rand.IntN(100)) * time.Millisecond
}

// appender appends the entry a build makes, as w says.
type appender func(gitstore.Build) (*ledger.Entry, error)

func (w Writer) appender(ctx context.Context, store *gitstore.Store, dir string) (appender, error) {
	if w.Push == "" {
		return func(b gitstore.Build) (*ledger.Entry, error) { return store.Append(ctx, b) }, nil
	}
	r := w.Remote
	if r == nil {
		r = GitRemote{Repo: store.Repo}
	}
	log := logger(w.Log)
	return func(b gitstore.Build) (*ledger.Entry, error) { return appendAndPush(ctx, store, r, w.Push, log, b) }, nil
}

// appendAndPush appends with build and pushes the ledger ref to remote.
// When another writer moved the ref first (ErrRaced, or a lost race on
// the local ref), it fetches the remote's ledger over the local one,
// builds again (an entry already there is not appended twice) and pushes
// again, up to pushAttempts times.
func appendAndPush(ctx context.Context, store *gitstore.Store, r Remote, remote string, log *slog.Logger, build gitstore.Build) (*ledger.Entry, error) {
	var got *ledger.Entry
	for attempt := 1; ; attempt++ {
		e, err := pushOnce(ctx, store, r, remote, build)
		if e != nil {
			got = e
		}
		if err == nil {
			return got, nil
		}
		raced := errors.Is(err, ErrRaced) || errors.Is(err, gitrepo.ErrRefChanged)
		if !raced || attempt >= pushAttempts {
			return nil, fmt.Errorf("record and push %s to %s: %w", store.Ref, remote, err)
		}
		log.Info("the remote ledger moved; fetching and recording again", "attempt", attempt)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(retryWait(attempt)):
		}
	}
}

// pushOnce fetches, appends and pushes the commit this run left (not
// whatever the local ref holds by then: another process may move it).
func pushOnce(ctx context.Context, store *gitstore.Store, r Remote, remote string, build gitstore.Build) (*ledger.Entry, error) {
	if err := r.Fetch(ctx, remote, store.Ref); err != nil {
		return nil, err
	}
	e, tip, err := store.AppendCommit(ctx, build)
	if err != nil || tip == "" {
		return e, err
	}
	return e, r.Push(ctx, remote, tip, store.Ref)
}
