package ops

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/ledger/gitstore"
	"github.com/estate-dev/estate/internal/record"
)

// RecordOptions say what Record records.
type RecordOptions struct {
	Dir string // the repository: a working tree or a bare repository
	Rev string // the merged commit of the default branch (default HEAD)
	Ref string // the ledger's ref ("" = ledger.ref of estate.yaml at Rev)
	// PR overrides the pull request number read from the commit's message.
	PR int
	// Approvals given by hand; when there are any, Reviews is not asked.
	Approvals []ledger.Approval
	// Reviews reads pull request pr (settings are estate.yaml's at the
	// commit, nil when it has none); nil when there is nothing to ask
	// (no token), and then no approvals are recorded.
	Reviews func(ctx context.Context, settings *record.Settings, merge string, pr int) (*PullRequest, error)
	Writer
	Now func() time.Time // stamps ledger commits (default time.Now)
}

// PullRequest is what Record keeps of a pull request.
type PullRequest struct {
	Title, Author, Head string
	Approvals           []ledger.Approval
}

// ParseApprovals reads approvals given as LOGIN@TIME (RFC 3339); the
// login may itself hold an @. A malformed one is a usage error.
func ParseApprovals(given []string) ([]ledger.Approval, error) {
	var out []ledger.Approval
	for _, s := range given {
		i := strings.LastIndex(s, "@")
		if i <= 0 {
			return nil, core.UsageError(fmt.Errorf("--approved-by %q: want LOGIN@TIME, e.g. jane@2026-11-20T10:00:00Z", s), "")
		}
		t, err := time.Parse(time.RFC3339, s[i+1:])
		if err != nil {
			return nil, core.UsageError(fmt.Errorf("--approved-by %q: the time is not RFC 3339: %v", s, err), "")
		}
		out = append(out, ledger.Approval{By: s[:i], At: ledger.FormatTime(t)})
	}
	return out, nil
}

// RecordResult is what Record appended.
type RecordResult struct {
	Ref    string // the ledger's ref
	Commit string // the recorded commit
	// Entry is the change-implemented entry appended; nil when the commit
	// was in the ledger already.
	Entry *ledger.Entry
	// Granted are the exemption-granted entries appended.
	Granted []*ledger.Entry
}

// Record appends the change-implemented entry of a merged commit, once,
// then an exemption-granted entry for each exemption the commit granted
// that has none yet. On an error the result holds what was appended.
func Record(ctx context.Context, o RecordOptions) (*RecordResult, error) {
	store, ci, err := openAt(o.Dir, cmp.Or(o.Rev, "HEAD"), o.Ref, o.Now)
	if err != nil {
		return nil, err
	}
	defer store.Repo.Close()
	res := &RecordResult{Ref: store.Ref, Commit: ci.Hash}
	e, err := gitstore.Describe(ctx, store.Repo, ci.Hash)
	if err != nil {
		return nil, err
	}
	if o.PR > 0 {
		e.PR = o.PR
	}
	switch {
	case len(o.Approvals) > 0:
		e.Approvers = o.Approvals
	case e.PR > 0 && o.Reviews != nil:
		pr, err := o.Reviews(ctx, gitstore.Settings(store.Repo, ci.Hash), ci.Hash, e.PR)
		if err != nil {
			return nil, err
		}
		e.Approvers = pr.Approvals
		if pr.Author != "" {
			e.Author = pr.Author
		}
		if pr.Head != "" {
			e.Commits.Head = pr.Head
		}
		if e.Change == "" && pr.Title != "" {
			e.Title = pr.Title
		}
	default:
		logger(o.Log).Warn("no approvals recorded: give --approved-by, or --pr with GITHUB_TOKEN set")
	}
	add, err := o.Writer.appender(ctx, store, o.Dir)
	if err != nil {
		return nil, err
	}
	res.Entry, err = add(func(snap *gitstore.Snapshot) (*ledger.Entry, error) {
		for _, x := range snap.Entries() {
			if x.Kind == ledger.KindChangeImplemented && x.Merge() == e.Merge() {
				return nil, nil
			}
		}
		c := *e
		return &c, nil
	})
	if err != nil {
		return nil, err
	}
	granted, err := gitstore.GrantedExemptions(ctx, store.Repo, ci.Hash)
	if err != nil {
		return res, err
	}
	for _, x := range granted {
		g, err := add(func(snap *gitstore.Snapshot) (*ledger.Entry, error) {
			for _, y := range snap.Entries() {
				if y.Kind == ledger.KindExemptionGranted && y.Merge() == ci.Hash && y.Exemption != nil && *y.Exemption == x {
					return nil, nil
				}
			}
			return &ledger.Entry{Kind: ledger.KindExemptionGranted, Time: e.Time, Commits: e.Commits, PR: e.PR, Change: x.Change,
				Author: e.Author, Approvers: e.Approvers, Exemption: &x}, nil
		})
		if err != nil {
			return res, err
		}
		if g != nil {
			res.Granted = append(res.Granted, g)
		}
	}
	return res, nil
}

func logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
