package reports

import (
	"context"
	"fmt"
	"time"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/ledger/compliance"
	"github.com/estate-dev/estate/internal/ledger/gitstore"
	"github.com/estate-dev/estate/internal/ledger/ops"
	"github.com/estate-dev/estate/internal/report"
)

// StatusOptions say what `estate report` (text, markdown, json, csv)
// shows.
type StatusOptions struct {
	Env
	// AsOf is a date (YYYY-MM-DD), a time (RFC 3339) or a git revision;
	// "" for the working tree, now (see AsOf).
	AsOf string
	// Period groups changes: "month" or "quarter".
	Period string
	// Trend is the compliance trend's period: "day", "week" or "month"
	// (default month).
	Trend string
	// Ref is the ledger's ref ("" = ledger.ref of estate.yaml at the
	// revision, else the default).
	Ref string
}

// Status builds the status-accounting report: the estate as of o.AsOf
// and the ledger's entries up to then (report.Build).
func Status(ctx context.Context, o StatusOptions) (*report.Report, error) {
	// One handle for the revision and the estate: go-git indexes a pack
	// on a handle's first read (0.1 s on a 50,000-commit repository).
	var repo *gitrepo.Repo
	if o.AsOf != "" {
		if r, err := gitrepo.Open(o.dir()); err == nil {
			defer r.Close()
			repo = r
		}
	}
	rev, at, err := AsOf(ctx, o.Env, repo, o.AsOf)
	if err != nil {
		return nil, err
	}
	// At a revision the ledger is read while the estate is: both take a
	// while at 20,000 records and 35,000 entries.
	type ledgerRead struct {
		entries []*ledger.Entry
		audits  []compliance.Audit
		err     error
	}
	ledgerc := make(chan ledgerRead, 1)
	if rev != "" {
		go func() {
			var lr ledgerRead
			lr.entries, lr.audits, lr.err = o.ledgerEntries(ctx, o.Ref, func(repo *gitrepo.Repo) string {
				return gitstore.Settings(repo, rev).LedgerRef()
			})
			ledgerc <- lr
		}()
	}
	est, err := OpenAt(ctx, o.Env, repo, rev, "this report")
	if err != nil {
		return nil, err
	}
	if rev == "" {
		var lr ledgerRead
		lr.entries, lr.audits, lr.err = o.ledgerEntries(ctx, o.Ref, func(*gitrepo.Repo) string { return est.Settings.LedgerRef() })
		ledgerc <- lr
	}
	lr := <-ledgerc
	if lr.err != nil {
		return nil, lr.err
	}
	return report.Build(est, lr.entries, report.Options{AsOf: at, Revision: rev, Period: o.Period, Compliance: lr.audits, Trend: o.Trend}), nil
}

// ledgerEntries reads the ledger's entries from ref, else from the ref
// settings gives. Outside a git repository there is no ledger: nil, and
// a log line. The audits are the ledger's compliance changes.
func (e Env) ledgerEntries(ctx context.Context, ref string, settings func(*gitrepo.Repo) string) ([]*ledger.Entry, []compliance.Audit, error) {
	repo, err := gitrepo.Open(e.dir())
	if err != nil {
		e.log().Warn("not a git repository: the report has no ledger", "err", err)
		return nil, nil, nil
	}
	defer repo.Close()
	if ref == "" {
		ref = settings(repo)
	}
	entries, err := (&gitstore.Store{Repo: repo, Ref: ref}).Entries(ctx)
	if err != nil {
		return nil, nil, core.Failure(err, "run estate ledger verify")
	}
	audits, err := ops.ReadCompliance(ctx, ops.ComplianceOptions{Dir: e.dir(), Ref: ref})
	if err != nil {
		return nil, nil, err
	}
	return entries, audits, nil
}

// AsOf resolves an --as-of to a commit and a moment: a date is the end of
// that day (UTC) and the last first-parent commit of HEAD made by then; a
// time likewise; anything else is a revision, at its commit time. Empty:
// the working tree ("") and env.Now. repo is the repository to read (nil:
// one is opened and closed). A date before the history, a revision that
// does not exist, or a folder outside git is an error in the request
// (core.ErrUsage).
func AsOf(ctx context.Context, env Env, repo *gitrepo.Repo, asOf string) (string, time.Time, error) {
	if asOf == "" {
		return "", env.Now.UTC(), nil
	}
	var until time.Time
	if t, err := time.Parse(time.DateOnly, asOf); err == nil {
		until = t.Add(24*time.Hour - time.Second)
	} else if t, err := time.Parse(time.RFC3339, asOf); err == nil {
		until = t.UTC()
	}
	if repo == nil {
		r, err := gitrepo.Open(env.dir())
		if err != nil {
			return "", time.Time{}, core.UsageError(fmt.Errorf("report as of %s: %w", asOf, err), "--as-of reads the estate's history: run it in a git repository")
		}
		defer r.Close()
		repo = r
	}
	if until.IsZero() {
		c, err := repo.Resolve(asOf)
		if err != nil {
			return "", time.Time{}, core.UsageError(err, "--as-of is a date (YYYY-MM-DD), a time (RFC 3339) or a branch, tag or commit")
		}
		return c.Hash, c.Time.UTC(), nil
	}
	head, err := repo.Resolve("HEAD")
	if err != nil {
		return "", time.Time{}, fmt.Errorf("read HEAD: %w", err)
	}
	found := ""
	err = repo.FirstParents(ctx, head.Hash, func(c gitrepo.CommitInfo) error {
		if !c.Time.After(until) {
			found = c.Hash
			return gitrepo.ErrStop
		}
		return nil
	})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("walk history: %w", err)
	}
	if found == "" {
		return "", time.Time{}, core.UsageError(fmt.Errorf("no commit on or before %s", asOf), "the estate's history starts later")
	}
	return found, until, nil
}
