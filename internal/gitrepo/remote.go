package gitrepo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
)

// Errors of Fetch and Push, to be tested with errors.Is. A ref that lost
// a race to another writer (the remote's, or this clone's own ref locked
// or moved under the fetch) is ErrRefChanged.
var (
	// ErrNonFastForward says the remote refused a push because its ref
	// has commits the pushed one lacks: fetch, rebuild, push again.
	ErrNonFastForward = errors.New("the remote ref moved on (non-fast-forward)")
	// ErrNoRemoteRef says the remote has no ref a fetch asked for.
	ErrNoRemoteRef = errors.New("the remote has no such ref")
)

// RejectedError is a ref a push did not update: the ref, and the reason
// git gave ("fetch first", "non-fast-forward", "failed to update ref", …).
type RejectedError struct {
	Ref    string
	Reason string
	Remote bool      // the remote refused it (a hook, a lock), not the local check
	Err    *GitError // the push, with git's stderr
}

func (e *RejectedError) Error() string {
	if e.Err != nil && e.Err.Stderr != "" {
		return fmt.Sprintf("push %s rejected: %s: %s", e.Ref, e.Reason, e.Err.Stderr)
	}
	return fmt.Sprintf("push %s rejected: %s", e.Ref, e.Reason)
}

func (e *RejectedError) Unwrap() error {
	if e.Err == nil {
		return nil
	}
	return e.Err
}

// Is classes the rejection: ErrNonFastForward or ErrRefChanged.
func (e *RejectedError) Is(target error) bool {
	switch target {
	case ErrNonFastForward:
		return strings.Contains(e.Reason, "non-fast-forward") || strings.Contains(e.Reason, "fetch first") || strings.Contains(e.Reason, "stale info")
	case ErrRefChanged:
		return lockLost(e.Reason) || (e.Err != nil && lockLost(e.Err.Stderr))
	}
	return false
}

// lockLost reports whether git says a ref was locked or moved by another
// writer while it updated it.
func lockLost(s string) bool {
	return strings.Contains(s, "cannot lock ref") || strings.Contains(s, "failed to update ref") ||
		strings.Contains(s, "unable to update local ref") || strings.Contains(s, "but expected")
}

// fetchError wraps a failed fetch so that errors.Is finds what it means.
type fetchError struct{ err *GitError }

func (e *fetchError) Error() string { return e.err.Error() }
func (e *fetchError) Unwrap() error { return e.err }
func (e *fetchError) Is(target error) bool {
	switch target {
	case ErrNoRemoteRef:
		return strings.Contains(e.err.Stderr, "couldn't find remote ref")
	case ErrRefChanged:
		return lockLost(e.err.Stderr)
	}
	return false
}

// Fetch runs `git fetch --quiet remote refspecs...` in r (the user's
// credentials and transports come with git; a remote given as a relative
// path is relative to the directory r was opened at). Errors: ErrNoGit,
// ErrNoRemoteRef when the remote lacks a ref asked for, ErrRefChanged when
// a local ref was locked or moved by another writer, else the *GitError.
func (r *Repo) Fetch(ctx context.Context, remote string, refspecs ...string) error {
	g, err := r.Git()
	if err != nil {
		return err
	}
	err = g.Run(ctx, Command{Args: append([]string{"fetch", "--quiet", remote}, refspecs...)})
	r.reindex() // a fetch of many objects writes a pack go-git has not indexed
	var ge *GitError
	if errors.As(err, &ge) && ctx.Err() == nil {
		return &fetchError{ge}
	}
	return err
}

// Push runs `git push --porcelain remote refspecs...` in r. A ref the
// remote did not take is a *RejectedError (errors.Is ErrNonFastForward
// when the remote moved on, ErrRefChanged when another writer held or
// moved the ref); anything else is the *GitError, or ErrNoGit.
func (r *Repo) Push(ctx context.Context, remote string, refspecs ...string) error {
	g, err := r.Git()
	if err != nil {
		return err
	}
	var out bytes.Buffer
	err = g.Run(ctx, Command{Args: append([]string{"push", "--quiet", "--porcelain", remote}, refspecs...), Stdout: &out})
	if err == nil || ctx.Err() != nil {
		return err
	}
	var ge *GitError
	if !errors.As(err, &ge) {
		return err
	}
	// Porcelain: "<flag> TAB <from>:<to> TAB <summary> (<reason>)" per ref,
	// "!" for one rejected.
	for _, line := range strings.Split(out.String(), "\n") {
		f := strings.SplitN(line, "\t", 3)
		if len(f) != 3 || f[0] != "!" {
			continue
		}
		ref := f[1]
		if _, to, ok := strings.Cut(ref, ":"); ok {
			ref = to
		}
		return &RejectedError{Ref: ref, Reason: f[2], Remote: strings.HasPrefix(f[2], "[remote "), Err: ge}
	}
	return err
}
