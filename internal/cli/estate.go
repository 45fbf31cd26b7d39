package cli

import (
	"context"
	"fmt"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/record"
)

// loadReportEstate reads the estate of the working tree (or of rev) for a
// report through the core, with validate's cache: a report after
// validate, or after another report, parses only the records that
// changed. Records with errors are counted on stderr, with the hint to run
// estate validate; the report uses what could be read.
func loadReportEstate(ctx context.Context, app *App, rev string) (*record.Estate, error) {
	est, err := core.Open(ctx, core.Options{Dir: app.Dir(), Rev: rev, Now: app.Now(), Log: app.Log, Progress: app.progress("reading the estate")})
	if err != nil {
		return nil, coreErr(err)
	}
	defer est.Close()
	if bad := est.Errors(); bad > 0 {
		fmt.Fprintf(app.Stderr, "estate: warning: the estate has %d errors; this report uses what could be read (estate validate lists them)\n", bad)
	}
	return est.Estate, nil
}

// statusReportEstate reads the estate at rev ("" = the working tree)
// without the schema layer (records validate has seen come from its
// cache, unread), through repo when given. what names the reader in the
// warning given when records have errors.
func statusReportEstate(ctx context.Context, app *App, repo *gitrepo.Repo, rev, what string) (*record.Estate, error) {
	if rev == "" {
		return loadReportEstate(ctx, app, rev)
	}
	est, err := core.Open(ctx, core.Options{Dir: app.Dir(), Rev: rev, Repo: repo, Checks: core.CheckNone, Cache: core.CacheRead, Now: app.Now(), Log: app.Log})
	if err != nil {
		return nil, coreErr(err)
	}
	defer est.Close()
	if bad := est.Errors(); bad > 0 {
		fmt.Fprintf(app.Stderr, "estate: warning: %d records of the estate at %.12s have errors; %s uses what could be read (run estate validate --rev %s)\n",
			bad, rev, what, rev)
	}
	return est.Estate, nil
}
