package ledger

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/estate-dev/estate/internal/record"
)

// ShardSize is how many entries one file of the ledger's tree holds. The
// ledger's tree is entries/NNNNNN.jsonl, one canonical entry per line,
// entries 1-1000 in entries/000000.jsonl, and so on: an append rewrites one
// small file, and reading 50,000 entries reads 50 blobs.
const ShardSize = 1000

// ShardPath is the file of the ledger's tree that holds entry seq.
func ShardPath(seq int64) string { return fmt.Sprintf("entries/%06d.jsonl", (seq-1)/ShardSize) }

// Stored is one line of the ledger as read from its tree.
type Stored struct {
	File string // e.g. entries/000000.jsonl
	Line int    // 1-based
	Raw  []byte // the line, without its newline
	// Entry is the decoded entry; nil when the line does not decode.
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
		return fmt.Sprintf("the entry at %s:%d", s.File, s.Line)
	}
	return fmt.Sprintf("entry %d", s.Entry.Seq)
}

// ParseTree reads the ledger's files (path → bytes, only entries/*.jsonl
// are read) into stored lines, in file and line order. A shard must end
// with a newline; blank lines are reported.
func ParseTree(files map[string][]byte) ([]Stored, []record.Finding) {
	var names []string
	var finds []record.Finding
	for p := range files {
		if strings.HasPrefix(p, "entries/") && strings.HasSuffix(p, ".jsonl") {
			names = append(names, p)
		} else {
			finds = append(finds, chainFinding(p, 0, "", "an unexpected file %s is in the ledger's tree", p))
		}
	}
	sort.Strings(names)
	var out []Stored
	for _, p := range names {
		data := files[p]
		if len(data) > 0 && data[len(data)-1] != '\n' {
			finds = append(finds, chainFinding(p, 0, "", "%s does not end with a newline: it was cut short or edited", p))
		} else {
			data = data[:max(len(data)-1, 0)]
		}
		if len(data) == 0 {
			finds = append(finds, chainFinding(p, 0, "", "%s is empty", p))
			continue
		}
		for i, line := range bytes.Split(data, []byte("\n")) {
			s := Stored{File: p, Line: i + 1, Raw: line}
			s.Entry, s.Canonical, s.Err = Decode(line)
			out = append(out, s)
		}
	}
	return out, finds
}

// LedgerCommit is one commit of the ledger ref, as its message says.
type LedgerCommit struct {
	Hash    string
	Parents int
	Seq     int64  // the entry it appended, from its message
	Entry   string // that entry's hash, from its message
}

// CommitMessage is the message of the ledger commit that appends e.
func CommitMessage(e *Entry, hash string) string {
	return fmt.Sprintf("ledger: entry %d %s\n\nEntry: %d\nEntry-Hash: %s\n", e.Seq, e.Kind, e.Seq, hash)
}

// ParseCommitMessage reads what CommitMessage wrote.
func ParseCommitMessage(msg string) (seq int64, hash string, ok bool) {
	for _, l := range strings.Split(msg, "\n") {
		if v, found := strings.CutPrefix(l, "Entry: "); found {
			seq, _ = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		}
		if v, found := strings.CutPrefix(l, "Entry-Hash: "); found {
			hash = strings.TrimSpace(v)
		}
	}
	return seq, hash, seq > 0 && hash != ""
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

// VerifyChain checks the hash chain of stored (in the tree's order) and,
// when commits is not nil, the ledger ref's history (newest first): every
// entry decodes, is canonical, has the next sequence number, and names the
// hash of the entry before it; every ledger commit appended exactly one
// entry whose hash still matches. Each problem names the entry. refName
// prefixes file names in positions (e.g. "refs/estate/ledger:").
func VerifyChain(stored []Stored, commits []LedgerCommit, refName string) []record.Finding {
	var out []record.Finding
	pos := func(s *Stored) string { return refName + s.File }
	bySeq := map[int64]*Stored{}
	hashes := make([]string, len(stored))
	for i := range stored {
		s := &stored[i]
		hashes[i] = Hash(s.Raw)
		switch {
		case s.Err != nil:
			out = append(out, chainFinding(pos(s), s.Line, "", "%s does not decode: %v", s.Name(), s.Err))
			continue
		case !s.Canonical:
			out = append(out, chainFinding(pos(s), s.Line, s.Name(), "%s is not in canonical form: it was edited after it was written", s.Name()))
		}
		if prev, dup := bySeq[s.Seq()]; dup {
			out = append(out, chainFinding(pos(s), s.Line, s.Name(), "%s appears twice (also at %s:%d)", s.Name(), prev.File, prev.Line))
		} else {
			bySeq[s.Seq()] = s
		}
		if want := ShardPath(s.Seq()); s.Seq() > 0 && want != s.File {
			out = append(out, chainFinding(pos(s), s.Line, s.Name(), "%s is stored in %s, not %s: entries were moved", s.Name(), s.File, want))
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
			out = append(out, chainFinding(pos(next), next.Line, fmt.Sprintf("entry %d", n), "entry %d is missing: it was removed (before %s)", n, next.Name()))
		} else {
			out = append(out, chainFinding(pos(next), next.Line, fmt.Sprintf("entry %d", n), "entries %d to %d are missing: they were removed (before %s)", n, m, next.Name()))
		}
		n = m
	}
	for i := 1; i < len(stored); i++ {
		s, p := &stored[i], &stored[i-1]
		if s.Entry != nil && p.Entry != nil && s.Seq() < p.Seq() {
			out = append(out, chainFinding(pos(s), s.Line, s.Name(), "%s comes after %s: entries were reordered", s.Name(), p.Name()))
		}
	}
	// Links: entry i's prev is the hash of entry i-1.
	for i := range stored {
		s := &stored[i]
		if s.Entry == nil {
			continue
		}
		if i == 0 {
			if s.Entry.Prev != "" && s.Seq() == 1 {
				out = append(out, chainFinding(pos(s), s.Line, s.Name(), "%s is the first entry but names a previous entry %s", s.Name(), s.Entry.Prev))
			}
			continue
		}
		if s.Entry.Prev == hashes[i-1] {
			continue
		}
		p := &stored[i-1]
		// Which side changed? If the entry before is named in its own
		// commit with another hash, it was edited; otherwise this link is
		// broken (a removal or a reorder, reported above, or this entry's
		// prev was edited).
		out = append(out, chainFinding(pos(s), s.Line, s.Name(),
			"the chain is broken between %s and %s: %s names %s as the previous entry's hash, but %s hashes to %s",
			p.Name(), s.Name(), s.Name(), short(s.Entry.Prev), p.Name(), short(hashes[i-1])))
	}
	if commits == nil {
		return out
	}
	// History of the ref: linear, one entry per commit, hashes as written.
	if len(commits) != len(stored) {
		out = append(out, chainFinding(refName, 0, "", "the ledger ref has %d commits but holds %d entries: entries were added or removed outside `estate ledger`", len(commits), len(stored)))
	}
	for _, c := range commits {
		if c.Parents > 1 {
			out = append(out, chainFinding(refName, 0, "", "ledger commit %s is a merge: the ledger must be linear", short(c.Hash)))
		}
		if c.Seq == 0 {
			out = append(out, chainFinding(refName, 0, "", "ledger commit %s was not written by estate (its message names no entry)", short(c.Hash)))
			continue
		}
		s, ok := bySeq[c.Seq]
		if !ok {
			out = append(out, chainFinding(refName, 0, fmt.Sprintf("entry %d", c.Seq), "entry %d, appended by ledger commit %s, is no longer in the ledger: it was removed", c.Seq, short(c.Hash)))
			continue
		}
		if h := Hash(s.Raw); h != c.Entry {
			out = append(out, chainFinding(pos(s), s.Line, s.Name(), "%s was edited: ledger commit %s appended it with hash %s, it now hashes to %s", s.Name(), short(c.Hash), short(c.Entry), short(h)))
		}
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
