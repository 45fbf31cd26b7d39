package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Kind is what an entry records.
type Kind string

// The kinds of entry.
const (
	KindChangeImplemented Kind = "change-implemented"
	KindChangeVerified    Kind = "change-verified"
	KindAudit             Kind = "audit"
	KindExemptionGranted  Kind = "exemption-granted"
	KindExemptionExpired  Kind = "exemption-expired"
	KindIncidentOpened    Kind = "incident-opened"
	KindIncidentClosed    Kind = "incident-closed"
	KindIncidentReopened  Kind = "incident-reopened"
)

// Kinds lists the kinds of entry.
var Kinds = []Kind{KindChangeImplemented, KindChangeVerified, KindAudit, KindExemptionGranted, KindExemptionExpired,
	KindIncidentOpened, KindIncidentClosed, KindIncidentReopened}

// Entry is one event of the ledger. Field order is the canonical order.
type Entry struct {
	Seq  int64  `json:"seq"`  // 1, 2, 3, ... without gaps
	Kind Kind   `json:"kind"` // change-implemented, change-verified, audit, ...
	Time string `json:"time"` // RFC 3339, UTC: when the event happened (merge commit time, audit time)
	// Commits are the git commits of the event.
	Commits *Commits `json:"commits,omitempty"`
	// PR is the pull request number, when there was one.
	PR int `json:"pr,omitempty"`
	// Change is the change request id (changes/<id>.yaml).
	Change    string     `json:"change,omitempty"`
	Title     string     `json:"title,omitempty"`
	Type      string     `json:"type,omitempty"` // standard, normal, emergency
	Risk      string     `json:"risk,omitempty"` // low, medium, high, critical
	Author    string     `json:"author,omitempty"`
	Approvers []Approval `json:"approvers,omitempty"`
	// Records are the records the event affected.
	Records []Affected `json:"records,omitempty"`
	// Audit summarises an audit report (kind audit).
	Audit *Audit `json:"audit,omitempty"`
	// Verifies lists the change-implemented entries (by seq) a
	// change-verified entry closes.
	Verifies []int64 `json:"verifies,omitempty"`
	// AuditSeq is the audit entry that verified the change.
	AuditSeq int64 `json:"audit_seq,omitempty"`
	// Exemption is the exemption granted or expired.
	Exemption *Exemption `json:"exemption,omitempty"`
	// Incident is the incident opened, closed or reopened.
	Incident *Incident `json:"incident,omitempty"`
	// Prev is "sha256:<hex>" of the previous entry's canonical JSON;
	// empty for the first entry.
	Prev string `json:"prev"`
}

// Commits are the commits of a change.
type Commits struct {
	Merge string `json:"merge"`          // the commit on the default branch
	Base  string `json:"base,omitempty"` // its first parent
	Head  string `json:"head,omitempty"` // the pull request's head commit
}

// Approval is one approving review.
type Approval struct {
	By string `json:"by"` // login or email
	At string `json:"at"` // RFC 3339, UTC
}

// Affected is one record an event touched and the fields that changed.
type Affected struct {
	ID     string   `json:"id"`
	Kind   string   `json:"kind"`
	Class  string   `json:"class,omitempty"`  // for assets
	Path   string   `json:"path"`             // path after the change
	From   string   `json:"from,omitempty"`   // path before, for a rename
	Action string   `json:"action"`           // added, modified, removed, renamed
	Fields []string `json:"fields,omitempty"` // dotted field paths that changed
}

// Audit is the summary and digest of one audit report.
type Audit struct {
	Digest   string         `json:"digest"`           // "sha256:<hex>" of the report's bytes
	Tool     string         `json:"tool,omitempty"`   // what produced the report
	Commit   string         `json:"commit,omitempty"` // the estate revision audited
	Findings int            `json:"findings"`
	Severity map[string]int `json:"by_severity,omitempty"`
	Summary  map[string]int `json:"summary,omitempty"`
	// Noncompliant counts records with findings.
	Noncompliant int `json:"noncompliant"`
	// Changes describes the per-device, per-control state changes since
	// the previous audit that the entry's commit holds in its tree
	// (internal/ledger/compliance); nil for entries written before them.
	Changes *StateChanges `json:"changes,omitempty"`
}

// StateChanges is the count and digest of an audit's compliance changes.
type StateChanges struct {
	Count  int    `json:"count"`
	Digest string `json:"digest"` // sha256 of the shards' bytes in shard order
}

// Exemption is an exemption granted or expired.
type Exemption struct {
	Record  string `json:"record"`
	Control string `json:"control"`
	Expires string `json:"expires,omitempty"`
	Change  string `json:"change,omitempty"`
}

// Incident is one GitHub issue estate keeps for failing findings.
type Incident struct {
	Issue       int      `json:"issue"`       // the issue's number
	Fingerprint string   `json:"fingerprint"` // what the issue is about, e.g. device:LT-00001
	Records     []string `json:"records,omitempty"`
	Controls    []string `json:"controls,omitempty"`
	Repeat      int      `json:"repeat,omitempty"` // how many times it was reopened
	// Severity is the incident's highest severity and Due the day its SLA
	// ends (opened and reopened entries; "" when none applies).
	Severity string `json:"severity,omitempty"`
	Due      string `json:"due,omitempty"`
}

// Canonical returns the canonical JSON of e: fields in declaration order,
// empty optional fields left out, map keys sorted, no HTML escaping, no
// insignificant space, no trailing newline.
func Canonical(e *Entry) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		return nil, fmt.Errorf("encode entry %d: %w", e.Seq, err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// Hash returns "sha256:<hex>" of canonical bytes.
func Hash(canonical []byte) string {
	s := sha256.Sum256(canonical)
	return "sha256:" + hex.EncodeToString(s[:])
}

// Decode reads one entry strictly (unknown fields are errors) and reports
// whether data is its canonical form.
func Decode(data []byte) (*Entry, bool, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var e Entry
	if err := dec.Decode(&e); err != nil {
		return nil, false, fmt.Errorf("decode entry: %w", err)
	}
	if dec.More() {
		return nil, false, fmt.Errorf("decode entry: more than one JSON value")
	}
	c, err := Canonical(&e)
	if err != nil {
		return nil, false, err
	}
	return &e, bytes.Equal(c, data), nil
}

// When parses e.Time (zero time when it does not parse).
func (e *Entry) When() time.Time {
	t, _ := time.Parse(time.RFC3339, e.Time)
	return t
}

// Merge returns the merge commit of a change entry, or "".
func (e *Entry) Merge() string {
	if e.Commits == nil {
		return ""
	}
	return e.Commits.Merge
}

// Chain appends e to a ledger whose last entry has canonical bytes
// lastRaw (nil for an empty ledger) and sequence lastSeq: it sets Seq and
// Prev and returns e's canonical bytes.
func Chain(e *Entry, lastSeq int64, lastRaw []byte) ([]byte, error) {
	e.Seq = lastSeq + 1
	e.Prev = ""
	if lastRaw != nil {
		e.Prev = Hash(lastRaw)
	}
	return Canonical(e)
}

// FormatTime writes t as the ledger does: RFC 3339 in UTC, seconds.
func FormatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

var (
	mergePR  = regexp.MustCompile(`^Merge pull request #([0-9]+) `)
	squashPR = regexp.MustCompile(`\(#([0-9]+)\)\s*$`)
)

// PRFromSubject reads the pull request number from a merge commit's
// subject ("Merge pull request #12 from ...") or a squash merge's
// ("Title (#12)"); 0 when there is none.
func PRFromSubject(subject string) int {
	for _, re := range []*regexp.Regexp{mergePR, squashPR} {
		if m := re.FindStringSubmatch(subject); m != nil {
			n, _ := strconv.Atoi(m[1])
			return n
		}
	}
	return 0
}
