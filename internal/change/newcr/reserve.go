package newcr

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/gitrepo"
)

// ReservationsRef is the ref that records the change request ids handed
// out, on the remote every clone shares. Its tip's tree holds one file
// per reserved id, named as the id, saying which branch and author took
// it. Each reservation adds a path and never edits one, so the set of
// ids is a tree listing, and two tips that reserved different ids could
// even be merged without a conflict; the same id twice is the one
// conflict, as it should be.
const ReservationsRef = "refs/estate/change-ids"

// reserveAttempts bounds the fetch, reserve and push rounds of one id.
const reserveAttempts = 10

// Remote moves ReservationsRef between the repository and a remote.
type Remote interface {
	// Fetch sets the local ref to the remote's (forced: the remote holds
	// the reservations of record); gitrepo.ErrNoRemoteRef when the remote
	// has none yet.
	Fetch(ctx context.Context, remote, ref string) error
	// Push sets the remote's ref to commit, a fast-forward only; a lost
	// race is gitrepo.ErrNonFastForward or gitrepo.ErrRefChanged.
	Push(ctx context.Context, remote, commit, ref string) error
}

// GitRemote is the Remote of a repository, through gitrepo's git runner
// (the user's remotes, credentials and transports).
type GitRemote struct{ Repo *gitrepo.Repo }

// Fetch runs git fetch remote +ref:ref.
func (g GitRemote) Fetch(ctx context.Context, remote, ref string) error {
	return g.Repo.Fetch(ctx, remote, "+"+ref+":"+ref)
}

// Push runs git push remote commit:ref.
func (g GitRemote) Push(ctx context.Context, remote, commit, ref string) error {
	return g.Repo.Push(ctx, remote, commit+":"+ref)
}

// Reservation is one id on ReservationsRef.
type Reservation struct {
	ID, Branch, Author string
}

// owner is who a reservation belongs to: the same branch by the same
// author (in any clone) may take its own reservation again.
func (r Reservation) owner() string { return r.Branch + "\x00" + r.Author }

// errOffline says the reservations could not be read or written on the
// remote: the id is checked against what this clone knows only.
type errOffline struct{ err error }

func (e *errOffline) Error() string { return e.err.Error() }
func (e *errOffline) Unwrap() error { return e.err }

// reserver reserves ids on a remote's ReservationsRef.
type reserver struct {
	repo   *gitrepo.Repo
	remote string
	tr     Remote
	me     Reservation // Branch and Author of this run
	sig    gitrepo.Signature
	wait   func(attempt int) time.Duration
}

// pick chooses the id to reserve given the reservations (by lower-case
// id); done says the id is already this branch's and needs no new
// reservation.
type pick func(reserved map[string]Reservation) (id string, done bool, err error)

// reserve fetches the reservations, picks an id, commits its reservation
// on the ref and pushes it as a fast-forward; when another clone pushed
// first it starts again, up to reserveAttempts times. An *errOffline
// when the remote could not be read or written (not for a remote that
// has no reservations yet).
func (rs reserver) reserve(ctx context.Context, choose pick) (string, error) {
	for attempt := 1; ; attempt++ {
		id, raced, err := rs.once(ctx, choose)
		if !raced {
			return id, err
		}
		if attempt >= reserveAttempts {
			return "", fmt.Errorf("reserve a change request id on %s %s: other clones reserved first %d times: %w", rs.remote, ReservationsRef, attempt, err)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(rs.wait(attempt)):
		}
	}
}

// once is one round of reserve; raced says another writer moved the ref
// first.
func (rs reserver) once(ctx context.Context, choose pick) (id string, raced bool, err error) {
	if err := rs.tr.Fetch(ctx, rs.remote, ReservationsRef); err != nil {
		if errors.Is(err, gitrepo.ErrRefChanged) {
			return "", true, err
		}
		if !errors.Is(err, gitrepo.ErrNoRemoteRef) {
			return "", false, &errOffline{fmt.Errorf("fetch %s from %s: %w", ReservationsRef, rs.remote, err)}
		}
	}
	tip, reserved, err := readReservations(rs.repo)
	if err != nil {
		return "", false, err
	}
	id, done, err := choose(reserved)
	if err != nil || done {
		return id, false, err
	}
	if strings.ContainsAny(id, "/\\\x00") || strings.HasPrefix(id, ".") {
		return "", false, core.UsageError(fmt.Errorf("change request id %q cannot be reserved: it is not a file name", id), "pick another --id")
	}
	body := fmt.Appendf(nil, "id: %s\nbranch: %s\nauthor: %s\nreserved: %s\nnonce: %s\n",
		id, rs.me.Branch, rs.me.Author, rs.sig.When.UTC().Format(time.RFC3339), nonce())
	msg := fmt.Sprintf("reserve %s for branch %s\n\nReserved by %s with estate change new.\n", id, rs.me.Branch, rs.me.Author)
	// The commit goes to the remote first: the local ref only ever holds
	// what the remote took, so a push that fails leaves no reservation
	// here that the remote lacks.
	commit, err := rs.repo.CommitFiles(tip, map[string][]byte{id: body}, msg, rs.sig)
	if err != nil {
		return "", false, fmt.Errorf("reserve %s: %w", id, err)
	}
	err = rs.tr.Push(ctx, rs.remote, commit, ReservationsRef)
	switch {
	case err == nil:
		// The next fetch sets it anyway; another process here may have.
		if err := rs.repo.UpdateRef(ReservationsRef, commit, tip); err != nil && !errors.Is(err, gitrepo.ErrRefChanged) {
			return "", false, err
		}
		return id, false, nil
	case errors.Is(err, gitrepo.ErrNonFastForward), errors.Is(err, gitrepo.ErrRefChanged):
		return "", true, err
	}
	return "", false, &errOffline{fmt.Errorf("push %s to %s: %w", ReservationsRef, rs.remote, err)}
}

// readReservations reads the local ReservationsRef: its tip ("" when
// there is none) and its reservations by lower-case id.
func readReservations(repo *gitrepo.Repo) (string, map[string]Reservation, error) {
	out := map[string]Reservation{}
	tip, ok, err := repo.Ref(ReservationsRef)
	if err != nil || !ok {
		return "", out, err
	}
	files, err := repo.ReadFiles(tip, 64<<10)
	if err != nil {
		return "", nil, fmt.Errorf("read %s: %w", ReservationsRef, err)
	}
	for name, data := range files {
		res := Reservation{ID: name}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			k, v, _ := strings.Cut(sc.Text(), ": ")
			switch k {
			case "branch":
				res.Branch = v
			case "author":
				res.Author = v
			}
		}
		out[strings.ToLower(name)] = res
	}
	return tip, out, nil
}

// nonce keeps two reservations made in the same second by the same
// author on the same branch from being one commit.
func nonce() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// whoAmI is the branch and author a reservation records.
func whoAmI(ctx context.Context, repo *gitrepo.Repo, now time.Time) (Reservation, gitrepo.Signature) {
	me := Reservation{Branch: "(detached HEAD)", Author: "unknown"}
	if b, ok := repo.HeadBranch(ctx); ok {
		me.Branch = b
	}
	sig, err := repo.Author(ctx)
	if err == nil {
		me.Author = sig.Name + " <" + sig.Email + ">"
	} else {
		sig = gitrepo.Signature{Name: "estate change new", Email: "change-new@estate.invalid"}
	}
	sig.When = time.Now()
	if !now.IsZero() {
		sig.When = now
	}
	return me, sig
}
