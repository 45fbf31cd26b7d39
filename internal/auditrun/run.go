package auditrun

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/estate-dev/estate/internal/audit"
	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/facts"
	"github.com/estate-dev/estate/internal/facts/collect"
	"github.com/estate-dev/estate/internal/factstore"
	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/ledger/ops"
	"github.com/estate-dev/estate/internal/record"
)

// Options say what to audit and as of when.
type Options struct {
	Dir string // the estate repository (default ".")
	// Facts is a folder of facts documents (default: Dir/facts).
	Facts string
	// Collect collects the facts for this run instead: "local" (this
	// machine) or "ssh" (every deployed or loaned asset with a hostname,
	// with SSH).
	Collect string
	SSH     facts.SSHOptions
	// MissingAfter is the age after which a deployed asset's facts no
	// longer count (0: estate.yaml audit.missing_after_days, or 30 days).
	MissingAfter time.Duration
	// Now is the clock: when the audit runs.
	Now time.Time
	// AsOf, when set, is the moment the audit judges freshness (max_age,
	// MissingAfter) and exemption expiry against, instead of Now: to
	// reproduce a past audit from the facts collected then. Facts
	// collected after it are not evidence of the state then. See ParseAsOf.
	AsOf time.Time
	// Shard, when set, audits one part of the estate (see audit.Shard):
	// the result is a partial report, which 'estate audit merge' joins
	// with the other parts into the whole audit's.
	Shard audit.Shard
	Log   *slog.Logger
}

// Result is an audit's findings (sorted, placed on their YAML lines) and
// compliance summary.
type Result struct {
	Findings []record.Finding
	Summary  audit.Summary
	// At is the moment judged: AsOf when given, else Now.
	At time.Time
	// AsOf says At came from Options.AsOf.
	AsOf bool
	// Problems counts the estate's validation findings (see 'estate validate').
	Problems int
	// LedgerHead is the ledger's head when the audit ran (nil: no
	// ledger, or no git repository): the report records it, a witness
	// for estate ledger verify --against.
	LedgerHead *ledger.Head
	// Store lists the files of the facts store audited, with their
	// content hashes (nil when the facts were a folder of documents).
	Store []factstore.File
	// Part, for a sharded run, says which part this is and what it was
	// judged on, so that merge joins only parts of one audit.
	Part *Part
	// Seen, for an audit of only the devices it collected itself (not
	// every asset could report), are the assets it saw: the report lists
	// them, and record-audit judges only those.
	Seen []string
}

// RuleAfterAsOf is a facts document collected after the --as-of moment:
// it is left out of the audit, whose assets then have no facts of then.
const RuleAfterAsOf = "audit/after-as-of"

// Run audits. Every problem with a device, a fact or a control is a
// finding; the error means the request was wrong (core.ErrUsage) or the
// audit could not run.
func Run(ctx context.Context, o Options) (*Result, error) {
	if o.Collect != "" && o.Collect != "local" && o.Collect != "ssh" {
		return nil, core.UsageError(fmt.Errorf("--collect %q is not one of local, ssh", o.Collect), "")
	}
	if o.Collect != "" && o.Facts != "" {
		return nil, core.UsageError(errors.New("--facts and --collect name two sources of facts: give one"), "")
	}
	if o.MissingAfter < 0 {
		return nil, core.UsageError(errors.New("--missing-after must be a number of days, at least 1"), "")
	}
	if !o.AsOf.IsZero() && o.Collect != "" {
		return nil, core.UsageError(errors.New("--as-of judges facts collected before it; facts collected now cannot show the state then"),
			"audit a folder of facts of that day with --facts, or leave --as-of out")
	}
	if sh := o.Shard; sh.N < 0 || (sh.N > 0 && (sh.K < 1 || sh.K > sh.N)) {
		return nil, core.UsageError(fmt.Errorf("--shard %d/%d: K must be 1 to N", sh.K, sh.N), "e.g. --shard 3/16 audits the third of 16 parts")
	}
	if !o.Shard.Whole() && o.Collect != "" {
		return nil, core.UsageError(errors.New("--shard splits a folder of facts; facts collected for this run are one part already"), "leave --shard out with --collect")
	}
	if o.Dir == "" {
		o.Dir = "."
	}
	at := o.Now
	if !o.AsOf.IsZero() {
		at = o.AsOf
	}
	est, err := core.Open(ctx, core.Options{Dir: o.Dir, Now: at, Log: o.Log})
	if err != nil {
		return nil, err
	}
	defer est.Close()
	if n := len(est.Findings); n > 0 && o.Log != nil {
		o.Log.Warn("the estate has validation problems; run 'estate validate'", "problems", n)
	}
	var sel *partSelect
	if !o.Shard.Whole() && !noPartSelect {
		sel = &partSelect{e: est.Estate, shard: o.Shard, before: o.AsOf}
	}
	devices, findings, partial, store, err := gather(ctx, o, est, sel)
	if err != nil {
		return nil, err
	}
	defer tuneGC(len(devices))()
	var part *Part
	if !o.Shard.Whole() {
		part = newPart(est, o, devices, store)
		findings, part.FactsFindings = inShard(findings, o.Shard)
	}
	opts := audit.Options{Now: at, Partial: partial, MissingAfter: o.MissingAfter, FailingSince: failingSince(ctx, o, at), Shard: o.Shard, Prior: findings}
	if sel != nil {
		opts.Index = sel.ix // built for the pick: the engine need not build it again
	}
	out := audit.Run(est.Estate, devices, opts)
	findings = out.Findings
	est.Place(ctx, findings)
	head, err := ops.Head(est.Root, "")
	if err != nil && o.Log != nil {
		o.Log.Warn("the ledger's head could not be read; the report records none", "err", err)
	}
	return &Result{Findings: findings, Summary: out.Summary, At: at.UTC(), AsOf: !o.AsOf.IsZero(), Problems: len(est.Findings), LedgerHead: head, Store: store, Part: part, Seen: out.Seen}, nil
}

// failingSince reads, from the ledger's compliance changes, when each
// failing device began failing each control; nil without a ledger (the
// audit then dates failures from itself). Audits after at do not count.
func failingSince(ctx context.Context, o Options, at time.Time) func(asset, control string) (time.Time, bool) {
	fold, err := ops.FoldCompliance(ctx, ops.FoldOptions{Dir: o.Dir, Until: at, Log: o.Log})
	if err != nil {
		if o.Log != nil {
			o.Log.Warn("failing since is dated from this audit: the ledger's compliance changes cannot be read", "error", err)
		}
		return nil
	}
	if len(fold.Times) == 0 {
		return nil
	}
	return fold.FailingSince
}

// gather gets the devices to audit from the one source o names. partial
// says only some assets could report (collected for this run), so that
// the others are not called missing.
func gather(ctx context.Context, o Options, est *core.Estate, sel *partSelect) ([]record.Device, []record.Finding, bool, []factstore.File, error) {
	switch o.Collect {
	case "local":
		d, err := facts.CollectLocal(ctx, facts.LocalOptions{Now: o.Now})
		if err != nil {
			return nil, nil, false, nil, err
		}
		return []record.Device{d}, nil, true, nil, nil
	case "ssh":
		targets := facts.InventoryTargets(est.Estate)
		if len(targets) == 0 {
			return nil, nil, false, nil, core.UsageError(errors.New("no deployed asset has a hostname to collect from"), "give deployed assets a hostname, or use --facts")
		}
		got, failed, err := collect.SSH(ctx, o.SSH, targets)
		if err != nil {
			return nil, nil, false, nil, err
		}
		// Only hosts with a hostname were asked: the others are not missing.
		return got, facts.FailureFindings(est.Estate, failed), true, nil, nil
	}
	fo := core.FactsOptions{Root: est.Root, Dir: o.Facts, Schema: est.Schema, Required: true, Before: o.AsOf}
	if sel != nil {
		fo.Pick = sel.pick()
	}
	fs, err := core.ReadFacts(ctx, fo)
	if err != nil {
		return nil, nil, false, nil, err
	}
	return fs.Devices, append(fs.Findings, afterAsOf(fs.Later, o.AsOf)...), false, fs.Store, nil
}
