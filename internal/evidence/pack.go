package evidence

import (
	"github.com/estate-dev/estate/internal/change"
	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/history"
	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/record"
)

// Pack is the evidence of one change: the JSON written beside its page
// (evidence/<CHANGE>.json). Its fields are stable; new ones are added,
// never renamed.
type Pack struct {
	Schema    string `json:"schema"` // "estate/evidence/v1"
	Change    string `json:"change"` // the change request id ("" when the change had none)
	Name      string `json:"name"`   // the file name used: the change id, else pr-N, else the merge commit
	Title     string `json:"title"`
	Generated string `json:"generated"` // RFC 3339
	// LedgerHead is the ledger's head this pack saw: a witness for
	// estate ledger verify --against.
	LedgerHead *ledger.Head `json:"ledger_head"`
	// Evidenced is false when the pack has gaps.
	Evidenced bool     `json:"evidenced"`
	Gaps      []string `json:"gaps"`

	Request        *Request       `json:"request"`
	Plan           *Plan          `json:"plan"`
	Approvals      Approvals      `json:"approvals"`
	Implementation Implementation `json:"implementation"`
	Verification   Verification   `json:"verification"`
	Chain          Chain          `json:"chain"`
	Baselines      []BaselineHist `json:"baselines"`
	Inventory      *Inventory     `json:"inventory"`
	Controls       []ControlMap   `json:"controls"`
}

// Request is the change request as merged.
type Request struct {
	Path   string                `json:"path"`
	Record *record.ChangeRequest `json:"record"`
}

// Plan is the plan of the change as approved: the pull request's head
// against its base (estate change plan --base BASE --head HEAD).
type Plan struct {
	Base  string       `json:"base"`
	Head  string       `json:"head"`
	Note  string       `json:"note,omitempty"`  // how the plan was made, when not as usual
	Error string       `json:"error,omitempty"` // why the plan could not be rebuilt
	Plan  *change.Plan `json:"plan,omitempty"`
}

// Approvals are the rules the policy in force at the base required and
// the approving reviews the ledger recorded.
type Approvals struct {
	PolicyFrom string            `json:"policy_from"` // the commit whose policies/change-control.yaml applied
	Required   []Requirement     `json:"required"`
	Given      []ledger.Approval `json:"given"`
}

// Requirement is one approval rule and whether the change met it.
type Requirement struct {
	Rule     string   `json:"rule"`
	Count    int      `json:"count"`
	Users    []string `json:"users,omitempty"`
	Teams    []string `json:"teams,omitempty"`
	Counted  int      `json:"counted"`  // approvals that count for it
	Deadline string   `json:"deadline"` // approvals after it do not count
	Met      bool     `json:"met"`
}

// Implementation is the merge and its commits.
type Implementation struct {
	Entry     EntryRef              `json:"entry"` // the change-implemented entry
	Merge     string                `json:"merge"`
	Base      string                `json:"base,omitempty"`
	Head      string                `json:"head,omitempty"`
	PR        int                   `json:"pr,omitempty"`
	Author    string                `json:"author,omitempty"`
	Time      string                `json:"time"`
	Type      string                `json:"type,omitempty"`
	Risk      string                `json:"risk,omitempty"`
	Records   []ledger.Affected     `json:"records"`
	Signature gitrepo.SignatureInfo `json:"signature"`
}

// EntryRef is one ledger entry as evidence: its number, kind, time, hash
// (of its canonical bytes) and the previous entry's hash it names.
type EntryRef struct {
	Seq    int64  `json:"seq"`
	Kind   string `json:"kind"`
	Time   string `json:"time"`
	Hash   string `json:"hash"`
	Prev   string `json:"prev"`
	Commit string `json:"ledger_commit"`
}

// Verification is the audit that verified the change, if one did.
type Verification struct {
	Verified bool      `json:"verified"`
	Entry    *EntryRef `json:"entry,omitempty"` // the change-verified entry
	Audit    *EntryRef `json:"audit,omitempty"` // the audit entry it names
	// Report is the audit's summary as the ledger holds it (the report's
	// digest, the estate revision audited, counts).
	Report *ledger.Audit `json:"report,omitempty"`
}

// Chain is the hash chain from the change's entry to the ledger's tip.
type Chain struct {
	From   int64      `json:"from"`
	To     int64      `json:"to"`
	Intact bool       `json:"intact"` // every link names its predecessor's hash, and the whole ledger verifies
	Links  []EntryRef `json:"links"`
	// Problems are what estate ledger verify's chain check found in the
	// whole ledger.
	Problems []string `json:"problems,omitempty"`
}

// BaselineHist is the history of one baseline up to the change (CM-2(3)):
// every version, newest last.
type BaselineHist struct {
	Name     string            `json:"name"`
	Path     string            `json:"path"`
	Versions []BaselineVersion `json:"versions"`
	Error    string            `json:"error,omitempty"`
}

// BaselineVersion is one commit that changed a baseline.
type BaselineVersion struct {
	Commit    string            `json:"commit"`
	Date      string            `json:"date"`
	Version   string            `json:"version,omitempty"`
	Action    string            `json:"action"`
	Change    string            `json:"change,omitempty"`
	PR        int               `json:"pr,omitempty"`
	Approvers []ledger.Approval `json:"approvers,omitempty"`
	Fields    int               `json:"fields"` // fields changed
}

// Inventory is the inventory accuracy of the period (CM-8): what the
// period's audits recorded in the ledger found.
type Inventory struct {
	Period       string `json:"period"` // e.g. 2026-Q3
	Start        string `json:"start"`
	End          string `json:"end"`
	Audits       int    `json:"audits"`
	Last         string `json:"last_audit,omitempty"` // its time
	LastSeq      int64  `json:"last_audit_entry,omitempty"`
	Devices      int    `json:"devices"`
	Assets       int    `json:"assets"`
	Unregistered int    `json:"unregistered"`
	Missing      int    `json:"missing"`
	Duplicates   int    `json:"duplicates"`
	// Known is false when the period has no audit: the counts are then
	// not evidence.
	Known bool `json:"known"`
}

// ControlMap maps one NIST SP 800-53 control to the parts of the pack
// that evidence it.
type ControlMap struct {
	ID        string   `json:"id"` // CM-2, CM-2(3), CM-3, CM-5, CM-6, CM-8
	Name      string   `json:"name"`
	How       string   `json:"how"` // one sentence: how estate evidences it
	Parts     []string `json:"parts"`
	Evidenced bool     `json:"evidenced"`
	Gaps      []string `json:"gaps,omitempty"`
}

// historyOf turns a baseline's history into its versions.
func historyOf(name string, h *history.Record) BaselineHist {
	out := BaselineHist{Name: name, Path: h.Path, Versions: []BaselineVersion{}}
	for _, c := range h.Changes {
		v := BaselineVersion{Commit: c.Commit, Date: ledger.FormatTime(c.Date), Action: c.Action, Change: c.Change, PR: c.PR,
			Approvers: c.Approvers, Fields: len(c.Fields)}
		for _, f := range c.Fields {
			if f.Field == "version" {
				v.Version = f.New
			}
		}
		if v.Version == "" && len(out.Versions) > 0 && c.Action != "removed" {
			v.Version = out.Versions[len(out.Versions)-1].Version // unchanged by this commit
		}
		out.Versions = append(out.Versions, v)
	}
	return out
}
