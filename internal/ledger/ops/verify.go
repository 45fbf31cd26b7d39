package ops

import (
	"context"
	"fmt"
	"github.com/estate-dev/estate/internal/record"
	"os"
	"time"

	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/ledger/gitstore"
)

// VerifyOptions say what Verify checks.
type VerifyOptions struct {
	Dir string // the repository
	// Branch is the default branch ("" = github.default_branch of
	// estate.yaml, else main, else master, else HEAD).
	Branch string
	Ref    string // the ledger's ref ("" = ledger.ref of estate.yaml at the branch's tip)
	// RequireSigned demands a signature by a key of AllowedKeys (a file
	// of armored OpenPGP public keys) on every commit since the ledger began.
	RequireSigned bool
	AllowedKeys   string
	Now           time.Time // the emergency-review clock
	// Against, when set, is a witness the ledger is compared with: a
	// JSON file recording a ledger_head (an audit report, an evidence
	// pack), a ref of this repository holding another copy, or a remote
	// whose copy is fetched (into WitnessRefPrefix...). A rewrite of the
	// ref with recomputed hashes passes the chain check, not this one.
	Against string
}

// RuleCompliance is the rule of an audit entry whose compliance changes
// do not match the count and digest it records.
const RuleCompliance = "ledger/compliance"

// VerifyResult is what Verify found, with the ref and branch it checked.
type VerifyResult struct {
	*gitstore.VerifyResult
	Ref, Branch string
	// Witnessed is the witness the ledger was compared with ("" = none).
	Witnessed string
}

// Verify proves the ledger's chain intact and every first-parent commit
// of the default branch since the ledger began covered by an approved
// change (and signed, when asked). Problems are findings; the error
// means it could not check.
func Verify(ctx context.Context, o VerifyOptions) (*VerifyResult, error) {
	var keys string
	if o.RequireSigned {
		if o.AllowedKeys == "" {
			return nil, usage(fmt.Errorf("--require-signed needs --allowed-keys FILE (armored OpenPGP public keys)"), "")
		}
		b, err := os.ReadFile(o.AllowedKeys)
		if err != nil {
			return nil, usage(fmt.Errorf("read allowed keys: %w", err), "")
		}
		keys = string(b)
	}
	repo, err := openRepo(o.Dir)
	if err != nil {
		return nil, err
	}
	defer repo.Close()
	branch, tip, err := defaultBranch(repo, o.Branch)
	if err != nil {
		return nil, err
	}
	store := &gitstore.Store{Repo: repo, Ref: ledgerRef(repo, tip, o.Ref)}
	res, err := gitstore.Verify(ctx, store, gitstore.VerifyOptions{Branch: tip, BranchName: branch,
		RequireSigned: o.RequireSigned, AllowedKeys: keys, CoverageOptions: ledger.CoverageOptions{Now: o.Now}})
	if err != nil {
		return nil, err
	}
	out := &VerifyResult{VerifyResult: res, Ref: store.Ref, Branch: branch}
	// The audit entries' compliance changes (their blobs in the entry's
	// commit) must match the count and digest the entry records.
	if snap, err := store.Read(ctx); err == nil {
		if _, err := complianceAudits(store, snap, ""); err != nil {
			out.Findings = append(out.Findings, record.Finding{Pos: record.Pos{File: store.Ref}, Rule: RuleCompliance, Severity: record.SevCritical,
				Message: fmt.Sprintf("an audit entry's compliance changes do not match what the entry records: %v", err),
				Hint:    "the changes under compliance/ in an audit entry's commit were edited or lost; restore the ledger from a copy"})
		}
	}
	if o.Against != "" {
		fs, err := witness(ctx, store, o.Against)
		if err != nil {
			return nil, err
		}
		out.Findings = append(out.Findings, fs...)
		out.Witnessed = o.Against
	}
	return out, nil
}
