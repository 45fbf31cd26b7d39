package ledger

import (
	"errors"
	"fmt"
	"strings"

	"github.com/estate-dev/estate/internal/record"
)

// Stored is one entry as read from the ledger ref: each commit of the
// ref holds one entry, its canonical JSON, in its message (see
// CommitMessage); the commit's tree is empty.
type Stored struct {
	Commit  string // the ledger commit
	Parents int    // its parent count (1, or 0 for the first)
	Raw     []byte // the entry's bytes as stored
	// Entry is the decoded entry; nil when the message holds none.
	Entry *Entry
	// Canonical reports whether Raw is Entry's canonical form.
	Canonical bool
	Err       error
}

// Seq is the entry's sequence number, or 0 when it does not decode.
func (s *Stored) Seq() int64 {
	if s.Entry == nil {
		return 0
	}
	return s.Entry.Seq
}

// Name names the entry for messages.
func (s *Stored) Name() string {
	if s.Entry == nil {
		return fmt.Sprintf("the entry of ledger commit %s", short(s.Commit))
	}
	return fmt.Sprintf("entry %d", s.Entry.Seq)
}

// CommitMessage is the message of the ledger commit that holds e, whose
// canonical JSON is raw: a subject line, a blank line, raw and a newline.
func CommitMessage(e *Entry, raw []byte) string {
	return fmt.Sprintf("ledger: entry %d %s\n\n%s\n", e.Seq, e.Kind, raw)
}

// FromCommit reads the entry a ledger commit's message holds.
func FromCommit(commit string, parents int, msg string) Stored {
	s := Stored{Commit: commit, Parents: parents}
	subject, body, ok := strings.Cut(msg, "\n\n")
	if !ok || !strings.HasPrefix(subject, "ledger: entry ") || !strings.HasSuffix(body, "\n") || strings.Count(body, "\n") != 1 {
		s.Err = errors.New("its message is not a ledger entry (was it written by estate?)")
		return s
	}
	s.Raw = []byte(strings.TrimSuffix(body, "\n"))
	s.Entry, s.Canonical, s.Err = Decode(s.Raw)
	if s.Entry != nil && subject != fmt.Sprintf("ledger: entry %d %s", s.Entry.Seq, s.Entry.Kind) {
		s.Canonical = false
	}
	return s
}

// Rules of the ledger's findings.
const (
	RuleChain     = "ledger/chain"
	RuleCoverage  = "ledger/bypass"
	RuleApprovals = "ledger/approvals"
	RuleSigned    = "ledger/signature"
	RuleReview    = "ledger/emergency-review"
)

func chainFinding(file string, line int, rec string, format string, args ...any) record.Finding {
	return record.Finding{Pos: record.Pos{File: file, Line: line}, Rule: RuleChain, Severity: record.SevCritical,
		Record: rec, Message: fmt.Sprintf(format, args...)}
}

// VerifyChain checks the hash chain of stored, oldest first, as read
// from the ledger ref: every commit holds one entry that decodes, is in
// canonical form, has the next sequence number and names the hash of the
// entry before it; the ref is linear. Each problem names the entry. ref
// is the ledger's ref name, for positions.
func VerifyChain(stored []Stored, ref string) []record.Finding {
	var out []record.Finding
	pos := func(s *Stored) string { return ref + "@" + short(s.Commit) }
	bySeq := map[int64]*Stored{}
	hashes := make([]string, len(stored))
	for i := range stored {
		s := &stored[i]
		hashes[i] = Hash(s.Raw)
		if s.Parents > 1 {
			out = append(out, chainFinding(pos(s), 0, s.Name(), "ledger commit %s is a merge: the ledger must be linear, and entries on its other parents are not read", short(s.Commit)))
		}
		switch {
		case s.Err != nil:
			out = append(out, chainFinding(pos(s), 0, "", "%s does not decode: %v", s.Name(), s.Err))
			continue
		case !s.Canonical:
			out = append(out, chainFinding(pos(s), 0, s.Name(), "%s is not in canonical form: it was edited after it was written", s.Name()))
		}
		if prev, dup := bySeq[s.Seq()]; dup {
			out = append(out, chainFinding(pos(s), 0, s.Name(), "%s appears twice (also in ledger commit %s)", s.Name(), short(prev.Commit)))
		} else {
			bySeq[s.Seq()] = s
		}
	}
	// Sequence: 1..n without gaps, in increasing order.
	var maxSeq int64
	for i := range stored {
		maxSeq = max(maxSeq, stored[i].Seq())
	}
	for n := int64(1); n <= maxSeq; n++ {
		if _, ok := bySeq[n]; ok {
			continue
		}
		m := n
		for m+1 <= maxSeq && bySeq[m+1] == nil {
			m++
		}
		next := bySeq[m+1]
		if m == n {
			out = append(out, chainFinding(pos(next), 0, fmt.Sprintf("entry %d", n), "entry %d is missing: it was removed (before %s)", n, next.Name()))
		} else {
			out = append(out, chainFinding(pos(next), 0, fmt.Sprintf("entry %d", n), "entries %d to %d are missing: they were removed (before %s)", n, m, next.Name()))
		}
		n = m
	}
	for i := 1; i < len(stored); i++ {
		s, p := &stored[i], &stored[i-1]
		if s.Entry != nil && p.Entry != nil && s.Seq() < p.Seq() {
			out = append(out, chainFinding(pos(s), 0, s.Name(), "%s comes after %s: entries were reordered", s.Name(), p.Name()))
		}
	}
	// Links: entry i names the hash of entry i-1.
	for i := range stored {
		s := &stored[i]
		if s.Entry == nil {
			continue
		}
		if i == 0 {
			if s.Entry.Prev != "" {
				out = append(out, chainFinding(pos(s), 0, s.Name(), "%s is the first entry but names a previous entry %s: the entries before it were removed", s.Name(), short(s.Entry.Prev)))
			}
			continue
		}
		if s.Entry.Prev == hashes[i-1] {
			continue
		}
		p := &stored[i-1]
		what := "entries between them were removed or reordered"
		if p.Entry != nil && p.Seq() == s.Seq()-1 {
			what = p.Name() + " was edited"
		}
		out = append(out, chainFinding(pos(s), 0, s.Name(),
			"the chain is broken between %s and %s: %s names %s as the previous entry's hash, but %s hashes to %s (%s)",
			p.Name(), s.Name(), s.Name(), short(s.Entry.Prev), p.Name(), short(hashes[i-1]), what))
	}
	return dedupe(out)
}

func short(h string) string {
	h = strings.TrimPrefix(h, "sha256:")
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

func dedupe(fs []record.Finding) []record.Finding {
	seen := map[string]bool{}
	var out []record.Finding
	for _, f := range fs {
		k := f.Pos.String() + "\x00" + f.Message
		if !seen[k] {
			seen[k] = true
			out = append(out, f)
		}
	}
	return out
}
