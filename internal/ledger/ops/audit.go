package ops

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/ledger/compliance"
	"github.com/estate-dev/estate/internal/ledger/gitstore"
	"github.com/estate-dev/estate/internal/record"
)

// MaxReportBytes bounds an audit report read from standard input.
const MaxReportBytes = 256 << 20

// AuditOptions say what RecordAudit records.
type AuditOptions struct {
	Dir string // the repository
	Rev string // the estate revision that was audited (default HEAD)
	Ref string // the ledger's ref ("" = ledger.ref of estate.yaml at Rev)
	// File is the audit report (estate audit --format json); "-" reads Stdin.
	File  string
	Stdin io.Reader
	// At is when the audit ran, RFC 3339 ("" = the report's generated_at,
	// else Now).
	At string
	Writer
	Now func() time.Time
}

// AuditResult is what RecordAudit appended, in order: the audit entry,
// then change-verified and exemption-expired entries. Appended is empty
// when the report was in the ledger already.
type AuditResult struct {
	Ref      string
	Appended []*ledger.Entry
	// Already reports that the report was in the ledger: nothing appended.
	Already bool
	// Warnings are for the person: the audited estate had errors.
	Warnings []string
}

// auditReport is what record-audit reads of a report: it is otherwise
// opaque (digested as bytes).
type auditReport struct {
	Tool        string           `json:"tool"`
	GeneratedAt string           `json:"generated_at"`
	Summary     map[string]int   `json:"summary"`
	BySeverity  map[string]int   `json:"by_severity"`
	Findings    []map[string]any `json:"findings"`
	// Shard is set on one part of a sharded audit, never a whole audit.
	Shard json.RawMessage `json:"shard"`
	// Partial is set on an audit of only the devices it collected: Seen
	// are the assets it saw, the only ones it judged.
	Partial *struct {
		Seen []string `json:"seen"`
	} `json:"partial"`
}

// RecordAudit appends the audit entry of a report, once; then a
// change-verified entry for each change made before the audit whose
// records the audit found compliant; then an exemption-expired entry for
// each exemption of the audited revision that had lapsed by the audit. On
// an error the result holds what was appended.
func RecordAudit(ctx context.Context, o AuditOptions) (*AuditResult, error) {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	data, err := readReport(o.File, o.Stdin)
	if err != nil {
		return nil, err
	}
	var rep auditReport
	if err := json.Unmarshal(data, &rep); err != nil {
		return nil, usage(fmt.Errorf("read audit report %s: %w", o.File, JSONPos(data, err)), "give the output of estate audit --format json")
	}
	if len(rep.Shard) > 0 && string(rep.Shard) != "null" {
		return nil, usage(fmt.Errorf("read audit report %s: it is one part of a sharded audit (shard %s), not the whole audit", o.File, rep.Shard),
			"join every part first: estate audit merge PART... > audit.json")
	}
	at := now()
	for _, s := range []string{o.At, rep.GeneratedAt} {
		if s == "" {
			continue
		}
		if at, err = time.Parse(time.RFC3339, s); err != nil {
			return nil, usage(fmt.Errorf("audit time %q is not RFC 3339: %w", s, err), "")
		}
		break
	}
	failing := map[string]bool{}
	for _, f := range rep.Findings {
		// An upcoming failure (a control not yet in effect) is information.
		if id, _ := f["record"].(string); id != "" && f["rule"] != "audit/upcoming" {
			failing[id] = true
		}
	}
	sum := sha256.Sum256(data)
	audit := &ledger.Audit{Digest: "sha256:" + hex.EncodeToString(sum[:]), Tool: rep.Tool, Findings: len(rep.Findings),
		Severity: rep.BySeverity, Summary: rep.Summary, Noncompliant: len(failing)}
	store, ci, err := openAt(o.Dir, cmp.Or(o.Rev, "HEAD"), o.Ref, now)
	if err != nil {
		return nil, err
	}
	defer store.Repo.Close()
	audit.Commit = ci.Hash
	add, err := o.Writer.appender(ctx, store, o.Dir)
	if err != nil {
		return nil, err
	}
	res := &AuditResult{Ref: store.Ref}
	est, err := core.Open(ctx, core.Options{Dir: o.Dir, Rev: ci.Hash, Repo: store.Repo, Checks: core.CheckNone, Cache: core.CacheRead, Now: now(), Log: logger(o.Log)})
	if err != nil {
		return nil, err
	}
	defer est.Close()
	if bad := est.Errors(); bad > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%d records of the estate at %.12s have errors; the check for expired exemptions uses what could be read (run estate validate --rev %s)",
			bad, ci.Hash, ci.Hash))
	}
	cur, judged := currentStates(&rep, est, at.UTC().Format("2006-01-02"))
	e, err := add(func(snap *gitstore.Snapshot) (*ledger.Entry, error) {
		for _, x := range snap.Entries() {
			if x.Kind == ledger.KindAudit && x.Audit != nil && x.Audit.Digest == audit.Digest {
				return nil, nil
			}
		}
		// The compliance changes since the previous audit: the ledger's
		// states folded (from the cache in .git/estate/ and the audits
		// recorded since it), compared with this report's.
		prev, err := foldAudits(ctx, store, snap, time.Time{}, true, logger(o.Log))
		if err != nil {
			return nil, err
		}
		changes := compliance.DiffFolded(prev, cur, judged)
		files, digest := compliance.Encode(changes)
		snap.Files = files
		a := *audit
		a.Changes = &ledger.StateChanges{Count: len(changes), Digest: digest}
		return &ledger.Entry{Kind: ledger.KindAudit, Time: ledger.FormatTime(at), Commits: &ledger.Commits{Merge: ci.Hash}, Audit: &a}, nil
	})
	if err != nil || e == nil {
		res.Already = err == nil
		return res, err
	}
	res.Appended = append(res.Appended, e)
	var seen map[string]bool // nil: the audit saw every device that reported
	if rep.Partial != nil {
		seen = map[string]bool{}
		for _, id := range rep.Partial.Seen {
			seen[id] = true
		}
	}
	if err := recordVerified(ctx, store, add, at, failing, seen, auditedUnder(est), e.Seq, res); err != nil {
		return res, err
	}
	return res, recordExpired(ctx, est, store, add, ci.Hash, at, e.Seq, res)
}

func readReport(file string, stdin io.Reader) ([]byte, error) {
	var data []byte
	var err error
	if file == "-" {
		if stdin == nil {
			return nil, usage(errors.New("read audit report: no standard input"), "")
		}
		data, err = io.ReadAll(io.LimitReader(stdin, MaxReportBytes))
	} else {
		data, err = os.ReadFile(file)
	}
	if err != nil {
		return nil, usage(fmt.Errorf("read audit report: %w", err), "")
	}
	return data, nil
}

// recordVerified closes the loop: a change-verified entry for each change
// made before the audit (at) whose records are not failing: the assets
// it touched, and the devices audited against the baselines it touched
// (under).
func recordVerified(ctx context.Context, store *gitstore.Store, add appender, at time.Time, failing, seen map[string]bool, under func(string) []string, auditSeq int64, res *AuditResult) error {
	snap, err := store.Read(ctx)
	if err != nil {
		return err
	}
	for _, c := range ledger.Unverified(snap.Entries()) {
		if !ledger.VerifiedBy(c, at, failing, under) || !sawAll(c, seen, under) {
			continue
		}
		v, err := add(func(snap *gitstore.Snapshot) (*ledger.Entry, error) {
			for _, x := range snap.Entries() {
				if x.Kind == ledger.KindChangeVerified && slices.Contains(x.Verifies, c.Seq) {
					return nil, nil
				}
			}
			return &ledger.Entry{Kind: ledger.KindChangeVerified, Time: ledger.FormatTime(at), Commits: c.Commits, PR: c.PR,
				Change: c.Change, Title: c.Title, Verifies: []int64{c.Seq}, AuditSeq: auditSeq}, nil
		})
		if err != nil {
			return err
		}
		if v != nil {
			res.Appended = append(res.Appended, v)
		}
	}
	return nil
}

// sawAll says a partial audit (seen non-nil) saw every asset change c
// touched, and every device audited against a baseline it touched: what
// it did not see it did not verify.
func sawAll(c *ledger.Entry, seen map[string]bool, under func(string) []string) bool {
	if seen == nil {
		return true
	}
	for _, r := range c.Records {
		if r.Action == "removed" {
			continue
		}
		ids := []string{r.ID}
		switch r.Kind {
		case string(record.KindAsset):
		case string(record.KindBaseline):
			ids = under(r.ID)
		default:
			continue
		}
		for _, id := range ids {
			if !seen[id] {
				return false
			}
		}
	}
	return true
}

// auditedUnder maps a baseline to the assets of est an audit judges
// against it: deployed or loaned, naming it or a baseline that extends
// it. A device of these that did not report is a finding (missing), so
// it keeps a baseline change unverified.
func auditedUnder(est *core.Estate) func(string) []string {
	by := map[string][]string{}
	for id, a := range est.Assets {
		if a.Baseline == "" || (a.Status != "deployed" && a.Status != "loaned") {
			continue
		}
		on := map[string]bool{}
		for b := a.Baseline; b != "" && !on[b]; {
			on[b] = true
			by[b] = append(by[b], id)
			bl := est.Baselines[b]
			if bl == nil {
				break
			}
			b = bl.Extends
		}
	}
	return func(b string) []string { return by[b] }
}

// recordExpired appends an exemption-expired entry for each exemption of
// the estate at rev that had expired by the audit at time at and is not
// yet recorded as expired.
func recordExpired(ctx context.Context, est *core.Estate, store *gitstore.Store, add appender, rev string, at time.Time, auditSeq int64, res *AuditResult) error {
	snap, err := store.Read(ctx)
	if err != nil {
		return err
	}
	for _, x := range ledger.ExpiredExemptions(snap.Entries(), est.Assets, at) {
		e, err := add(func(snap *gitstore.Snapshot) (*ledger.Entry, error) {
			if ledger.ExpiryRecorded(snap.Entries(), x) {
				return nil, nil // another writer recorded it meanwhile
			}
			return &ledger.Entry{Kind: ledger.KindExemptionExpired, Time: ledger.FormatTime(at), Commits: &ledger.Commits{Merge: rev},
				Change: x.Change, AuditSeq: auditSeq, Exemption: &x}, nil
		})
		if err != nil {
			return err
		}
		if e != nil {
			res.Appended = append(res.Appended, e)
		}
	}
	return nil
}

// JSONPos adds line:column to a JSON syntax or type error of data: the
// byte a syntax error found, or where the value of the wrong type ends.
func JSONPos(data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	off := int64(-1)
	if errors.As(err, &se) {
		off = se.Offset - 1 // Offset counts the offending byte
	} else if errors.As(err, &te) {
		off = te.Offset
	}
	if off < 0 || off > int64(len(data)) {
		return err
	}
	line, col := 1, 1
	for _, b := range data[:off] {
		if b == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return fmt.Errorf("%d:%d: %w", line, col, err)
}
