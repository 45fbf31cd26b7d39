package output

import (
	"bytes"
	"testing"

	"github.com/estate-dev/estate/internal/ledger"
)

func TestLedgerText(t *testing.T) {
	e := &ledger.Entry{Seq: 3, Kind: ledger.KindChangeImplemented, Time: "2026-11-02T10:00:00Z", Commits: &ledger.Commits{Merge: "abc"}, PR: 1,
		Change: "CR-2026-0001", Type: "normal", Risk: "medium", Title: "Reassign", Author: "alice@example.org",
		Approvers: []ledger.Approval{{By: "bob", At: "2026-11-02T09:00:00Z"}},
		Records:   []ledger.Affected{{Action: "modified", Kind: "Asset", ID: "LT-00001", Fields: []string{"owner", "location"}}, {Action: "added", Kind: "ChangeRequest", ID: "CR-2026-0001"}}}
	x := &ledger.Entry{Seq: 4, Kind: ledger.KindExemptionGranted, Exemption: &ledger.Exemption{Record: "LT-00001", Control: "MAC-SW-010", Expires: "2026-12-01"}}
	var b bytes.Buffer
	LedgerAppended(&b, "refs/estate/ledger", e)
	LedgerGranted(&b, "refs/estate/ledger", x)
	LedgerShow(&b, []*ledger.Entry{x})
	want := `appended entry 3 (change-implemented) to refs/estate/ledger
  commit:    abc
  pr:        #1
  change:    CR-2026-0001 (normal, medium risk)
  title:     Reassign
  author:    alice@example.org
  approved:  bob at 2026-11-02T09:00:00Z
  record:    modified Asset LT-00001 (owner, location)
  record:    added ChangeRequest CR-2026-0001
appended entry 4 (exemption-granted) to refs/estate/ledger: LT-00001 exempt from MAC-SW-010 until 2026-12-01
entry 4  exemption-granted  
  exemption: LT-00001 from MAC-SW-010, expires 2026-12-01
`
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}
