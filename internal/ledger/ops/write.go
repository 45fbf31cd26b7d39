package ops

import (
	"fmt"
	"io"

	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/output"
)

// Write prints what Record did in format (text or json): the entries
// appended on out (json: the change-implemented entry alone), and on
// errOut that nothing was appended when the commit was in the ledger.
func (r *RecordResult) Write(out, errOut io.Writer, format string) error {
	switch {
	case r.Entry == nil:
		fmt.Fprintf(errOut, "commit %.12s is already in the ledger; nothing appended\n", r.Commit)
	case format == "json":
		return output.WriteJSON(out, r.Entry)
	default:
		output.LedgerAppended(out, r.Ref, r.Entry)
	}
	if format != "json" {
		for _, g := range r.Granted {
			output.LedgerGranted(out, r.Ref, g)
		}
	}
	return nil
}

// Write prints what RecordAudit did in format (text or json): its
// warnings on errOut, then the entries appended on out, or on errOut
// that the report was in the ledger already.
func (r *AuditResult) Write(out, errOut io.Writer, format string) error {
	for _, w := range r.Warnings {
		fmt.Fprintf(errOut, "estate: warning: %s\n", w)
	}
	switch {
	case r.Already:
		fmt.Fprintln(errOut, "this audit report is already in the ledger; nothing appended")
	case format == "json":
		return output.WriteJSON(out, r.Appended)
	default:
		output.LedgerAppended(out, r.Ref, r.Appended...)
	}
	return nil
}

// Write prints the entries Show read in format (text or json; json is
// an array, empty for an empty ledger), warning on errOut of commits that
// hold no entry.
func (r *ShowResult) Write(out, errOut io.Writer, format string) error {
	if r.Undecoded > 0 {
		fmt.Fprintf(errOut, "estate: warning: %d commits of %s hold no entry that decodes; run estate ledger verify\n", r.Undecoded, r.Ref)
	}
	if format != "json" {
		output.LedgerShow(out, r.Entries)
		return nil
	}
	es := r.Entries
	if es == nil {
		es = []*ledger.Entry{}
	}
	return output.WriteJSON(out, es)
}
