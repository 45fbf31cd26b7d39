package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/ledger/gitstore"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/report"
	"github.com/estate-dev/estate/internal/validate"
)

type reportOptions struct {
	asOf, format, period, ref string
}

func newReportCmd(app *App) *cobra.Command {
	o := &reportOptions{}
	cmd := &cobra.Command{
		Use:   "report",
		Short: "The estate as of a date or revision, and its status accounting",
		Long: `Report shows the inventory as it stood at a date or revision (counts by
kind, class, status, location and baseline, and the list of records) and,
from the ledger, the status accounting: changes by type, risk and outcome
per month (or quarter), changes implemented but not yet verified by an
audit, emergency changes awaiting their review, and exemptions expiring in
the next 30 days.

--as-of takes a date (YYYY-MM-DD: the last first-parent commit of HEAD on
or before the end of that day, UTC), a time (RFC 3339) or any git revision.
Without it the report is of the working tree, now. Everything is read from
git: no checkout, no network.`,
		Example: `  # the estate on the last day of the quarter, for the auditors
  estate report --as-of 2026-09-30 --format markdown > q3.md

  # as of a release tag, as JSON
  estate report --as-of v2026.11 --format json

  # one self-contained HTML page
  estate report --format html > report.html`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runReport(cmd, app, o) },
	}
	cmd.Flags().StringVar(&o.asOf, "as-of", "", "a date (YYYY-MM-DD), time (RFC 3339) or git revision (default: the working tree, now)")
	cmd.Flags().StringVar(&o.period, "period", "month", "group changes by month or quarter")
	cmd.Flags().StringVar(&o.ref, "ref", "", "the ledger's ref (default: ledger.ref of estate.yaml, else refs/estate/ledger)")
	formatFlag(cmd, &o.format, "text", "markdown", "json", "csv", "html")
	return cmd
}

func runReport(cmd *cobra.Command, app *App, o *reportOptions) error {
	if err := checkChoice("format", o.format, "text", "markdown", "json", "csv", "html"); err != nil {
		return err
	}
	if err := checkChoice("period", o.period, "month", "quarter"); err != nil {
		return err
	}
	if o.format == "html" {
		return writeHTMLReport(cmd, app, o.asOf, app.Stdout)
	}
	ctx := cmd.Context()
	// One handle for the revision and the estate: go-git indexes a pack
	// on a handle's first read (0.1 s on a 50,000-commit repository).
	var repo *gitrepo.Repo
	if o.asOf != "" {
		if r, err := gitrepo.Open(app.Dir()); err == nil {
			defer r.Close()
			repo = r
		}
	}
	rev, at, err := statusReportAsOf(ctx, app, repo, o.asOf)
	if err != nil {
		return err
	}
	// At a revision the ledger is read while the estate is: both take a
	// while at 20,000 records and 35,000 entries.
	type ledgerRead struct {
		entries []*ledger.Entry
		err     error
	}
	ledgerc := make(chan ledgerRead, 1)
	if rev != "" {
		go func() {
			var lr ledgerRead
			lr.entries, lr.err = readLedgerEntries(ctx, app, o.ref, func(repo *gitrepo.Repo) string {
				return gitstore.Settings(repo, rev).LedgerRef()
			})
			ledgerc <- lr
		}()
	}
	est, err := statusReportEstate(ctx, app, repo, rev, "this report")
	if err != nil {
		return err
	}
	if rev == "" {
		var lr ledgerRead
		lr.entries, lr.err = readLedgerEntries(ctx, app, o.ref, func(*gitrepo.Repo) string { return est.Settings.LedgerRef() })
		ledgerc <- lr
	}
	lr := <-ledgerc
	if lr.err != nil {
		return lr.err
	}
	entries := lr.entries
	r := report.Build(est, entries, report.Options{AsOf: at, Revision: rev, Period: o.period})
	if err := report.Write(app.Stdout, o.format, r); err != nil {
		return &ExitError{Code: ExitFailure, Err: err}
	}
	return nil
}

// readLedgerEntries reads the ledger's entries from ref, else from the
// ref settings gives. Outside a git repository there is no ledger: nil,
// with a warning.
func readLedgerEntries(ctx context.Context, app *App, ref string, settings func(*gitrepo.Repo) string) ([]*ledger.Entry, error) {
	repo, err := gitrepo.Open(app.Dir())
	if err != nil {
		app.Log.Warn("not a git repository: the report has no ledger", "err", err)
		return nil, nil
	}
	defer repo.Close()
	if ref == "" {
		ref = settings(repo)
	}
	entries, err := (&gitstore.Store{Repo: repo, Ref: ref}).Entries(ctx)
	if err != nil {
		return nil, &ExitError{Code: ExitFailure, Err: err, Hint: "run estate ledger verify"}
	}
	return entries, nil
}

// statusReportAsOf resolves --as-of to a commit and a moment: a date is
// the end of that day (UTC) and the last first-parent commit of HEAD made
// by then; a time likewise; anything else is a revision, at its commit
// time. Empty: the working tree, now.
// repo is the repository to read (nil: one is opened and closed).
func statusReportAsOf(ctx context.Context, app *App, repo *gitrepo.Repo, asOf string) (string, time.Time, error) {
	if asOf == "" {
		return "", app.Now().UTC(), nil
	}
	var until time.Time
	if t, err := time.Parse(time.DateOnly, asOf); err == nil {
		until = t.Add(24*time.Hour - time.Second)
	} else if t, err := time.Parse(time.RFC3339, asOf); err == nil {
		until = t.UTC()
	}
	if repo == nil {
		r, err := gitrepo.Open(app.Dir())
		if err != nil {
			return "", time.Time{}, inputErr(fmt.Errorf("report as of %s: %w", asOf, err), "--as-of reads the estate's history: run it in a git repository")
		}
		defer r.Close()
		repo = r
	}
	if until.IsZero() {
		c, err := repo.Resolve(asOf)
		if err != nil {
			return "", time.Time{}, inputErr(err, "--as-of is a date (YYYY-MM-DD), a time (RFC 3339) or a branch, tag or commit")
		}
		return c.Hash, c.Time.UTC(), nil
	}
	head, err := repo.Resolve("HEAD")
	if err != nil {
		return "", time.Time{}, &ExitError{Code: ExitFailure, Err: fmt.Errorf("read HEAD: %w", err)}
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
		return "", time.Time{}, &ExitError{Code: ExitFailure, Err: fmt.Errorf("walk history: %w", err)}
	}
	if found == "" {
		return "", time.Time{}, inputErr(fmt.Errorf("no commit on or before %s", asOf), "the estate's history starts later")
	}
	return found, until, nil
}

// statusReportEstate reads the estate at rev ("" = the working tree)
// without the schema layer, like loadReportEstate, but through a
// repository that keeps its pack files open (20,000 blob reads). what
// names the reader in the warning given when records have errors; repo
// is the repository to read (nil: one is opened and closed).
func statusReportEstate(ctx context.Context, app *App, repo *gitrepo.Repo, rev, what string) (*record.Estate, error) {
	if rev == "" {
		return loadReportEstate(ctx, app, rev)
	}
	tree, cacheRoot, done, err := reportTree(ctx, app, repo, rev)
	if err != nil {
		return nil, err
	}
	defer done()
	opts := validate.Options{Tree: tree, Now: app.Now(), Select: func(string, string) bool { return false }, Schema: rptSchema(), Log: app.Log}
	if cacheRoot != "" {
		// Records estate validate has seen come from its cache, unread.
		if p := validate.DefaultCachePath(cacheRoot); rptFileExists(p) {
			opts.Cache = validate.OpenCache(p)
		}
	}
	res, err := validate.Run(ctx, opts)
	if err != nil {
		return nil, &ExitError{Code: ExitFailure, Err: fmt.Errorf("load estate at %s: %w", rev, err)}
	}
	if bad := errorCount(res.Findings); bad > 0 {
		fmt.Fprintf(app.Stderr, "estate: warning: %d records of the estate at %.12s have errors; %s uses what could be read (run estate validate --rev %s)\n",
			bad, rev, what, rev)
	}
	return res.Estate, nil
}
