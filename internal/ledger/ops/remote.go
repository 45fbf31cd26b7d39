package ops

import (
	"context"
	"errors"

	"github.com/estate-dev/estate/internal/gitrepo"
)

// Remote moves the ledger's ref between this repository and a remote.
type Remote interface {
	// Fetch sets the local ref to the remote's (forced: the remote holds
	// the ledger of record). A remote without the ref is not an error.
	Fetch(ctx context.Context, remote, ref string) error
	// Push sets the remote's ref to commit, a fast-forward only.
	Push(ctx context.Context, remote, commit, ref string) error
}

// ErrRaced says another writer moved the ledger's ref first (on the
// remote, or on this repository's own ref): fetch, append again and push
// again. Errors of a Remote that lost such a race satisfy errors.Is(err,
// ErrRaced).
var ErrRaced = errors.New("another writer moved the ledger's ref first")

// GitRemote is the Remote of a repository, through gitrepo's one git
// runner (which brings the user's credentials, transports and remotes;
// git runs where the repository was opened, so a remote given as a path
// is relative to that folder). gitrepo types git's refusals; this only
// says which of them are a lost race.
type GitRemote struct{ Repo *gitrepo.Repo }

// raced marks err as a lost race.
type raced struct{ error }

func (e raced) Unwrap() []error { return []error{e.error, ErrRaced} }

// Fetch sets the local ledger ref to the remote's (+ref:ref). A remote
// with no ledger yet is not an error.
func (g GitRemote) Fetch(ctx context.Context, remote, ref string) error {
	err := g.Repo.Fetch(ctx, remote, "+"+ref+":"+ref)
	switch {
	case err == nil, errors.Is(err, gitrepo.ErrNoRemoteRef):
		return nil
	case errors.Is(err, gitrepo.ErrRefChanged):
		return raced{err}
	}
	return err
}

// Push sets the remote's ref to commit, a fast-forward only.
func (g GitRemote) Push(ctx context.Context, remote, commit, ref string) error {
	err := g.Repo.Push(ctx, remote, commit+":"+ref)
	if errors.Is(err, gitrepo.ErrNonFastForward) || errors.Is(err, gitrepo.ErrRefChanged) {
		return raced{err}
	}
	return err
}

// FetchTo sets the local ref into to the remote's ref (forced): the copy
// of a mirror's ledger that verify --against compares with. Errors are
// gitrepo's (ErrNoRemoteRef when the remote lacks ref).
func (g GitRemote) FetchTo(ctx context.Context, remote, ref, into string) error {
	return g.Repo.Fetch(ctx, remote, "+"+ref+":"+into)
}
