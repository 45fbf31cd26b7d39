package output

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/estate-dev/estate/internal/ledger"
)

// WriteJSON writes v as indented JSON: the --format json of the commands
// whose result is one value (ledger entries, history, layout, evidence).
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// LedgerAppended writes "appended entry N (KIND) to REF" and the entry's
// description, for each of es.
func LedgerAppended(w io.Writer, ref string, es ...*ledger.Entry) {
	for _, e := range es {
		fmt.Fprintf(w, "appended entry %d (%s) to %s\n", e.Seq, e.Kind, ref)
		LedgerEntry(w, e)
	}
}

// LedgerShow writes each entry as `estate ledger show` prints it: a
// heading line (number, kind, time) and its description.
func LedgerShow(w io.Writer, es []*ledger.Entry) {
	for _, e := range es {
		fmt.Fprintf(w, "entry %d  %s  %s\n", e.Seq, e.Kind, e.Time)
		LedgerEntry(w, e)
	}
}

// LedgerEntry describes an entry, one indented "name: value" line a field,
// leaving out the fields it does not have.
func LedgerEntry(w io.Writer, e *ledger.Entry) {
	if e.Commits != nil {
		fmt.Fprintf(w, "  commit:    %s\n", e.Commits.Merge)
	}
	if e.PR > 0 {
		fmt.Fprintf(w, "  pr:        #%d\n", e.PR)
	}
	switch {
	case e.Change != "" && e.Type != "":
		fmt.Fprintf(w, "  change:    %s (%s, %s risk)\n", e.Change, e.Type, e.Risk)
	case e.Change != "":
		fmt.Fprintf(w, "  change:    %s\n", e.Change)
	}
	if e.Title != "" {
		fmt.Fprintf(w, "  title:     %s\n", e.Title)
	}
	if e.Author != "" {
		fmt.Fprintf(w, "  author:    %s\n", e.Author)
	}
	for _, a := range e.Approvers {
		fmt.Fprintf(w, "  approved:  %s at %s\n", a.By, a.At)
	}
	for _, r := range e.Records {
		fmt.Fprintf(w, "  record:    %s %s %s", r.Action, r.Kind, r.ID)
		if len(r.Fields) > 0 {
			fmt.Fprintf(w, " (%s)", strings.Join(r.Fields, ", "))
		}
		fmt.Fprintln(w)
	}
	if e.Audit != nil {
		fmt.Fprintf(w, "  audit:     %s, %d findings, %d records not compliant\n", e.Audit.Digest, e.Audit.Findings, e.Audit.Noncompliant)
		if c := e.Audit.Changes; c != nil {
			fmt.Fprintf(w, "  changes:   %d compliance state changes since the previous audit (%s)\n", c.Count, c.Digest)
		}
	}
	if len(e.Verifies) > 0 {
		fmt.Fprintf(w, "  verifies:  entry %v (audit entry %d)\n", e.Verifies, e.AuditSeq)
	}
	if x := e.Exemption; x != nil {
		fmt.Fprintf(w, "  exemption: %s from %s, expires %s\n", x.Record, x.Control, x.Expires)
	}
}

// LedgerGranted is the line of an exemption-granted entry `estate ledger
// record` appended.
func LedgerGranted(w io.Writer, ref string, e *ledger.Entry) {
	x := e.Exemption
	if x == nil {
		LedgerAppended(w, ref, e)
		return
	}
	fmt.Fprintf(w, "appended entry %d (%s) to %s: %s exempt from %s until %s\n", e.Seq, e.Kind, ref, x.Record, x.Control, x.Expires)
}
