package reports

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/output"
	"github.com/estate-dev/estate/internal/record"
)

// Env is what every report takes from its caller.
type Env struct {
	// Dir is a directory of the estate (default ".").
	Dir string
	// Now is the report's clock.
	Now time.Time
	// Log receives what a user need not see (nil: nothing is logged).
	Log *slog.Logger
	// Warn receives each warning, one line of text without a prefix (nil:
	// warnings are dropped).
	Warn func(msg string)
	// Progress, when set, is told how many records of how many are read.
	Progress func(done, total int)
}

func (e Env) dir() string {
	if e.Dir == "" {
		return "."
	}
	return e.Dir
}

func (e Env) log() *slog.Logger {
	if e.Log == nil {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return e.Log
}

func (e Env) warn(format string, args ...any) {
	if e.Warn != nil {
		e.Warn(fmt.Sprintf(format, args...))
	}
}

// open reads the estate of the working tree (or of rev) for a report
// through the core, with validate's cache: a report after validate, or
// after another report, parses only the records that changed. Records
// with errors are counted in a warning, with the hint to run estate
// validate; the report uses what could be read.
func (e Env) open(ctx context.Context, rev string) (*record.Estate, error) {
	est, err := core.Open(ctx, core.Options{Dir: e.dir(), Rev: rev, Now: e.Now, Log: e.log(), Progress: e.Progress})
	if err != nil {
		return nil, err
	}
	defer est.Close()
	if bad := est.Errors(); bad > 0 {
		e.warn("the estate has %d errors; this report uses what could be read (estate validate lists them)", bad)
	}
	return est.Estate, nil
}

// OpenAt reads the estate at rev ("" = the working tree, as every report
// reads it) without the schema layer (records validate has seen come
// from its cache, unread), through repo when given. what names the reader
// in the warning given when records have errors ("this report").
func OpenAt(ctx context.Context, env Env, repo *gitrepo.Repo, rev, what string) (*record.Estate, error) {
	if rev == "" {
		return env.open(ctx, rev)
	}
	est, err := core.Open(ctx, core.Options{Dir: env.dir(), Rev: rev, Repo: repo, Checks: core.CheckNone, Cache: core.CacheRead, Now: env.Now, Log: env.log()})
	if err != nil {
		return nil, err
	}
	defer est.Close()
	if bad := est.Errors(); bad > 0 {
		env.warn("%d records of the estate at %.12s have errors; %s uses what could be read (run estate validate --rev %s)", bad, rev, what, rev)
	}
	return est.Estate, nil
}

// readFacts reads the facts documents of dir, or of facts/ in the
// repository when dir is empty and that folder exists (none when it does
// not). A document that cannot be used is a warning with its
// file:line:column, and the others are used.
func (e Env) readFacts(ctx context.Context, dir string) ([]record.Facts, error) {
	got, err := core.ReadFacts(ctx, core.FactsOptions{Root: e.dir(), Dir: dir})
	if err != nil {
		return nil, err
	}
	skipped := 0
	for _, f := range got.Findings {
		if f.Severity < record.SevMedium {
			skipped++
			continue
		}
		e.warn("%s: %s (these facts are not used)", f.Pos, output.TextSafe(f.Message))
	}
	if skipped > 0 {
		e.log().Info("files in the facts folder that are not facts documents were skipped", "count", skipped)
	}
	out := make([]record.Facts, 0, len(got.Devices))
	for _, d := range got.Devices {
		if d.Facts != nil {
			out = append(out, *d.Facts)
		}
	}
	return out, nil
}
