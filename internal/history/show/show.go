package show

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/history"
	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/ledger/compliance"
	"github.com/estate-dev/estate/internal/ledger/gitstore"
	"github.com/estate-dev/estate/internal/ledger/ops"
	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/output"
)

// Options say whose history to show.
type Options struct {
	Dir    string // a directory of the repository (default ".")
	Rev    string // the revision whose history is shown (default HEAD)
	Ref    string // the ledger's ref (default: ledger.ref of estate.yaml, else refs/estate/ledger)
	Record string // the record's id (its file name) or the path of its file
	// Warn, when set, hears what went wrong without stopping the run (an
	// index that could not be cached).
	Warn func(msg string, err error)
}

// Run returns the history of the record o names. Errors that are the
// request's fault (no such revision, no such record) match core.ErrUsage.
func Run(ctx context.Context, o Options) (*history.Record, error) {
	if o.Rev == "" {
		o.Rev = "HEAD"
	}
	// A long history is thousands of small documents parsed and let go:
	// collecting less often costs a little memory and saves a fifth of
	// the CPU (docs/performance.md).
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	repo, err := gitrepo.Open(cmpOr(o.Dir, "."))
	if err != nil {
		return nil, core.UsageError(err, "estate history reads git: run it in the estate's repository")
	}
	defer repo.Close()
	c, err := repo.Resolve(o.Rev)
	if err != nil {
		return nil, core.UsageError(err, "name a branch, tag or commit that exists")
	}
	head := c.Hash
	// The index of the record (grown by Follow to where its renames
	// lead); of the whole tree when only the history knows the record.
	path, err := recordPathAt(ctx, repo, head, o.Record)
	if err != nil {
		return nil, err
	}
	var idx *history.Index
	if path != "" {
		idx, err = history.Open(ctx, repo, head, path)
	} else {
		idx, err = history.Open(ctx, repo, head)
	}
	if err != nil {
		return nil, err
	}
	if path == "" {
		if path, err = recordPathIn(idx, head, o.Record); err != nil {
			return nil, err
		}
	}
	steps, err := idx.Follow(ctx, repo, path)
	if errors.Is(err, history.ErrNoHistory) {
		return nil, core.UsageError(fmt.Errorf("%s: no commit of %s changed it", path, o.Rev), "")
	}
	if err != nil {
		return nil, err
	}
	if err := history.Persist(repo, idx); err != nil && o.Warn != nil {
		o.Warn("history index not cached", err)
	}
	ref := o.Ref
	if ref == "" {
		ref = gitstore.Settings(repo, head).LedgerRef()
	}
	entries, err := (&gitstore.Store{Repo: repo, Ref: ref}).Entries(ctx)
	if err != nil {
		return nil, err
	}
	rec, err := history.Describe(ctx, repo, head, path, steps, entries)
	if err != nil {
		return nil, err
	}
	// The compliance changes of the device, from the ledger's audits.
	audits, err := ops.ReadCompliance(ctx, ops.ComplianceOptions{Dir: cmpOr(o.Dir, "."), Ref: ref, Asset: rec.ID})
	if err != nil {
		return nil, err
	}
	rec.Compliance = compliance.Events(rec.ID, audits)
	return rec, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// recordPathAt finds the file of a record: a path as given, else the file
// whose name is the id at head; "" when head has none.
func recordPathAt(ctx context.Context, repo *gitrepo.Repo, head string, arg string) (string, error) {
	if strings.Contains(arg, "/") || strings.HasSuffix(arg, ".yaml") {
		return strings.TrimPrefix(arg, "./"), nil
	}
	t, err := repo.Tree(head)
	if err != nil {
		return "", err
	}
	entries, err := t.Entries(ctx)
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		if p := load.Classify(e.Path); p.Kind != "" && p.ID == arg {
			return e.Path, nil
		}
	}
	return "", nil
}

// recordPathIn is the newest path the history knows for the record arg
// names (a record since removed).
func recordPathIn(idx *history.Index, head, arg string) (string, error) {
	best, bestAt := "", -1
	for p, es := range idx.Paths {
		if pl := load.Classify(p); pl.Kind != "" && pl.ID == arg && len(es) > 0 && int(es[len(es)-1]>>2) > bestAt {
			best, bestAt = p, int(es[len(es)-1]>>2)
		}
	}
	if best == "" {
		return "", core.UsageError(fmt.Errorf("no record %s in the history of %s", arg, gitrepo.ShortName(head)), "give the record's id (its file name) or the path of its file")
	}
	return best, nil
}

// Write prints rec in format: text, markdown or json.
func Write(w io.Writer, format string, rec *history.Record) error {
	switch format {
	case "json":
		return output.WriteJSON(w, rec)
	case "markdown":
		WriteMarkdown(w, rec)
	default:
		WriteText(w, rec)
	}
	return nil
}

// WriteText writes rec for a terminal or a log: every value from the
// repository (subjects, authors, field values) made safe to print.
func WriteText(w io.Writer, rec *history.Record) {
	safe := output.TextSafe
	fmt.Fprintf(w, "%s  %s  (%d changes)\n", safe(rec.ID), safe(rec.Path), len(rec.Changes))
	for _, c := range rec.Changes {
		fmt.Fprintf(w, "\n%s  %s  %s", c.Date.Format("2006-01-02 15:04"), c.Commit[:12], c.Action)
		if c.From != "" {
			fmt.Fprintf(w, " from %s", safe(c.From))
		}
		fmt.Fprintln(w)
		fmt.Fprintf(w, "  %s\n", safe(c.Subject))
		var meta []string
		if c.PR > 0 {
			meta = append(meta, fmt.Sprintf("PR #%d", c.PR))
		}
		if c.Change != "" {
			meta = append(meta, safe(fmt.Sprintf("%s (%s, %s risk)", c.Change, c.Type, c.Risk)))
		}
		meta = append(meta, "by "+safe(c.Author))
		if len(c.Approvers) > 0 {
			meta = append(meta, "approved by "+safe(approverList(c.Approvers)))
		}
		if c.LedgerEntry == 0 {
			meta = append(meta, "not in the ledger")
		} else if c.Verified {
			meta = append(meta, "verified")
		}
		fmt.Fprintf(w, "  %s\n", strings.Join(meta, "; "))
		for _, f := range c.Fields {
			switch f.Op {
			case "added":
				fmt.Fprintf(w, "    + %s: %s\n", safe(f.Field), safe(f.New))
			case "removed":
				fmt.Fprintf(w, "    - %s: %s\n", safe(f.Field), safe(f.Old))
			default:
				fmt.Fprintf(w, "    ~ %s: %s -> %s\n", safe(f.Field), safe(f.Old), safe(f.New))
			}
		}
	}
	if len(rec.Incidents) > 0 {
		fmt.Fprintf(w, "\nIncidents (%d ledger entries)\n", len(rec.Incidents))
		for _, in := range rec.Incidents {
			fmt.Fprintf(w, "  entry %d  %s  %s  issue #%d%s\n", in.LedgerEntry, in.Time, in.Kind, in.Issue, safe(incidentDetail(in)))
		}
	}
	writeComplianceText(w, rec)
}

// writeComplianceText lists the device's compliance changes.
func writeComplianceText(w io.Writer, rec *history.Record) {
	if len(rec.Compliance) == 0 {
		return
	}
	fmt.Fprintf(w, "\ncompliance changes (%d, from the ledger's audits):\n", len(rec.Compliance))
	for _, e := range rec.Compliance {
		fmt.Fprintf(w, "  %s  %s  %s -> %s  (audit entry %d)\n", e.At.UTC().Format("2006-01-02"), output.TextSafe(e.Control), e.FromName, e.ToName, e.AuditSeq)
	}
}

// incidentDetail is the controls, severity, due day and repeat count of
// an incident entry, each after a comma.
func incidentDetail(in history.Incident) string {
	var parts []string
	if len(in.Controls) > 0 {
		parts = append(parts, strings.Join(in.Controls, " "))
	}
	if in.Severity != "" {
		parts = append(parts, in.Severity)
	}
	if in.Due != "" {
		parts = append(parts, "due "+in.Due)
	}
	if in.Repeat > 0 {
		parts = append(parts, fmt.Sprintf("reopened %d", in.Repeat))
	}
	if len(parts) == 0 {
		return ""
	}
	return ", " + strings.Join(parts, ", ")
}

func approverList(as []ledger.Approval) string {
	var out []string
	for _, a := range as {
		out = append(out, a.By+" ("+a.At+")")
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// WriteMarkdown writes rec as a markdown table, every value escaped.
func WriteMarkdown(w io.Writer, rec *history.Record) {
	fmt.Fprintf(w, "## History of %s\n\n%s, %d changes, oldest first.\n\n", output.CodeSpan(rec.ID), output.CodeSpan(rec.Path), len(rec.Changes))
	fmt.Fprintln(w, "| Date | Commit | Change | PR | Author | Approvers | Fields |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- | --- |")
	for _, c := range rec.Changes {
		pr := ""
		if c.PR > 0 {
			pr = fmt.Sprintf("#%d", c.PR)
		}
		var fields []string
		for _, f := range c.Fields {
			switch f.Op {
			case "added":
				fields = append(fields, output.CodeSpan(f.Field)+" + "+output.CodeSpan(f.New))
			case "removed":
				fields = append(fields, output.CodeSpan(f.Field)+" − "+output.CodeSpan(f.Old))
			default:
				fields = append(fields, output.CodeSpan(f.Field)+": "+output.CodeSpan(f.Old)+" → "+output.CodeSpan(f.New))
			}
		}
		change := c.Action
		if c.Change != "" {
			change = c.Action + ", " + c.Change
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s |\n", c.Date.Format("2006-01-02 15:04"), output.CodeSpan(c.Commit[:12]),
			output.MarkdownCell(change), pr, output.MarkdownCell(c.Author), output.MarkdownCell(approverList(c.Approvers)),
			strings.Join(fields, "<br>"))
	}
	if len(rec.Compliance) > 0 {
		fmt.Fprintf(w, "\n### Compliance changes\n\nFrom the ledger's audits, oldest first.\n\n| Date | Control | From | To | Audit entry |\n| --- | --- | --- | --- | --- |\n")
		for _, e := range rec.Compliance {
			fmt.Fprintf(w, "| %s | %s | %s | %s | %d |\n", e.At.UTC().Format("2006-01-02"), output.CodeSpan(e.Control), e.FromName, e.ToName, e.AuditSeq)
		}
	}
	if len(rec.Incidents) > 0 {
		fmt.Fprintf(w, "\n### Incidents\n\n| Entry | Time | Event | Issue | Detail |\n| ---: | --- | --- | ---: | --- |\n")
		for _, in := range rec.Incidents {
			fmt.Fprintf(w, "| %d | %s | %s | #%d | %s |\n", in.LedgerEntry, in.Time, in.Kind, in.Issue, output.MarkdownCell(strings.TrimPrefix(incidentDetail(in), ", ")))
		}
	}
}
