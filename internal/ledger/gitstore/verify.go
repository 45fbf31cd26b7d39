package gitstore

import (
	"context"
	"fmt"
	"sort"

	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/record"
)

// VerifyOptions tune Verify.
type VerifyOptions struct {
	// Branch is the default branch's tip (a commit hash) and BranchName its name.
	Branch, BranchName string
	// RequireSigned demands a valid signature from AllowedKeys (an
	// armored OpenPGP key ring) on every commit since the ledger began.
	RequireSigned bool
	AllowedKeys   string
	ledger.CoverageOptions
}

// VerifyResult is what Verify found.
type VerifyResult struct {
	Findings []record.Finding
	Entries  int    // entries in the ledger
	Commits  int    // first-parent commits checked for coverage
	Start    string // the first commit the ledger covers
}

// Verify checks the ledger: its chain and its ref's history, then that
// every first-parent commit of the default branch since the ledger began
// (the merge commit of its first change-implemented entry) is covered by
// an entry with the approvals the policy in force required, and signed
// when asked.
func Verify(ctx context.Context, s *Store, o VerifyOptions) (*VerifyResult, error) {
	// Read the ledger and walk the branch at once, on two repository
	// handles (a handle serialises its reads).
	var walked []gitrepo.CommitInfo
	var walkErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		if o.Branch == "" {
			return
		}
		r := s.Repo
		if dir, err := s.Repo.GitDir(); err == nil {
			if other, err := gitrepo.Open(dir); err == nil {
				defer other.Close()
				r = other
			}
		}
		walkErr = r.FirstParents(ctx, o.Branch, func(c gitrepo.CommitInfo) error {
			c.Message = "" // not needed; keep memory small
			walked = append(walked, c)
			return nil
		})
	}()
	snap, err := s.Read(ctx)
	<-done
	if err != nil {
		return nil, err
	}
	if walkErr != nil {
		return nil, fmt.Errorf("walk %s: %w", o.BranchName, walkErr)
	}
	res := &VerifyResult{Entries: len(snap.Stored)}
	res.Findings = append(res.Findings, ledger.VerifyChain(snap.Stored, s.Ref)...)
	entries := snap.Entries()
	pending := map[string]int64{} // merge commit → the entry recording it
	for _, e := range entries {
		if e.Kind == ledger.KindChangeImplemented && e.Merge() != "" {
			if _, ok := pending[e.Merge()]; !ok {
				pending[e.Merge()] = e.Seq
			}
		}
	}
	if len(pending) == 0 {
		res.Findings = append(res.Findings, record.Finding{Pos: record.Pos{File: s.Ref}, Rule: ledger.RuleCoverage, Severity: record.SevMedium,
			Message: "the ledger records no change yet, so nothing proves the default branch's changes were approved",
			Hint:    "record each merge with estate ledger record (the ledger workflow does it on every push)"})
		return res, nil
	}
	if o.Branch == "" {
		return res, nil
	}
	// The ledger began at the oldest commit of the branch an entry
	// records.
	oldest := -1
	for i, c := range walked {
		if _, ok := pending[c.Hash]; ok {
			delete(pending, c.Hash)
			oldest = i
			if len(pending) == 0 {
				break
			}
		}
	}
	var off []record.Finding
	for merge, seq := range pending {
		off = append(off, record.Finding{Pos: record.Pos{File: s.Ref}, Rule: ledger.RuleCoverage, Severity: record.SevMedium,
			Record: fmt.Sprintf("entry %d", seq), Message: fmt.Sprintf("entry %d records commit %s, which is not on the first-parent history of %s: the branch was rewritten, or the entry belongs to another branch", seq, short(merge), o.BranchName)})
	}
	sort.Slice(off, func(i, j int) bool { return off[i].Message < off[j].Message })
	res.Findings = append(res.Findings, off...)
	if oldest < 0 {
		return res, nil
	}
	walked = walked[:oldest+1]
	res.Start = walked[oldest].Hash
	main := make([]ledger.MainCommit, len(walked))
	policies := map[string]*record.ChangePolicy{}
	for i, c := range walked {
		mc := ledger.MainCommit{Hash: c.Hash, Subject: c.Subject, Author: c.AuthorEmail, Time: c.Time}
		// The policy in force for a commit is its first parent's.
		switch {
		case i+1 < len(walked):
			mc.Policy = PolicyInTree(s.Repo, walked[i+1].Tree, policies)
		case len(c.Parents) > 0:
			mc.Policy = Policy(s.Repo, c.Parents[0], policies)
		}
		if o.RequireSigned {
			st, why, err := s.Repo.VerifySignature(c.Hash, o.AllowedKeys)
			if err != nil {
				return nil, err
			}
			mc.Signature, mc.SignatureErr = st, why
		}
		main[i] = mc
	}
	res.Commits = len(main)
	co := o.CoverageOptions
	co.Branch, co.RequireSigned = o.BranchName, o.RequireSigned
	res.Findings = append(res.Findings, ledger.Coverage(entries, main, co)...)
	return res, nil
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
