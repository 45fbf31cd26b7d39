package ledger

import (
	"fmt"
	"regexp"

	"github.com/estate-dev/estate/internal/record"
)

// RuleWitness is the rule of a difference between the ledger and a
// witness of it: another copy, or a head recorded by a report.
const RuleWitness = "ledger/witness"

// Head is the ledger's last entry as a reader saw it: its sequence
// number and "sha256:<hex>" of its canonical bytes (the hash the next
// entry names as prev). Audit reports and evidence packs record it as
// ledger_head, so that a later rewrite of the ref, even one with every
// hash recomputed, no longer matches what they saw.
type Head struct {
	Entry int64  `json:"entry"`
	Hash  string `json:"hash"`
}

var hashRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// Check reports what is wrong with a head read from outside (a file).
func (h Head) Check() error {
	if h.Entry < 1 {
		return fmt.Errorf("ledger_head.entry %d: want an entry number, 1 or more", h.Entry)
	}
	if !hashRE.MatchString(h.Hash) {
		return fmt.Errorf("ledger_head.hash %q: want sha256: and 64 lower-case hex digits", h.Hash)
	}
	return nil
}

// HeadOf is the head of a ledger read oldest first (nil when it is empty
// or its last commit holds no entry).
func HeadOf(stored []Stored) *Head {
	if len(stored) == 0 || stored[len(stored)-1].Entry == nil {
		return nil
	}
	last := &stored[len(stored)-1]
	return &Head{Entry: last.Entry.Seq, Hash: Hash(last.Raw)}
}

func witnessFinding(ref, rec, hint, format string, args ...any) record.Finding {
	return record.Finding{Pos: record.Pos{File: ref}, Rule: RuleWitness, Severity: record.SevCritical, Record: rec,
		Message: fmt.Sprintf(format, args...), Hint: hint}
}

// WitnessHead checks stored (the ledger on ref, oldest first) against a
// head that source (a file) recorded: the ledger must still hold that
// entry, hashing to the same value. A chain whose hashes were recomputed
// after an edit passes VerifyChain but fails here.
func WitnessHead(stored []Stored, ref string, h Head, source string) []record.Finding {
	for i := range stored {
		s := &stored[i]
		if s.Entry == nil || s.Entry.Seq != h.Entry {
			continue
		}
		if got := Hash(s.Raw); got != h.Hash {
			return []record.Finding{witnessFinding(ref, s.Name(),
				"compare the ledger with a mirror (estate ledger verify --against REMOTE) to find the first entry that changed",
				"entry %d hashes to %s, but %s recorded %s as the ledger's head: the ledger was rewritten after %s saw it",
				h.Entry, short(got), source, short(h.Hash), source)}
		}
		return nil
	}
	return []record.Finding{witnessFinding(ref, fmt.Sprintf("entry %d", h.Entry),
		"fetch the ledger of record (git fetch origin "+ref+":"+ref+"); if it lacks the entry too, entries were removed",
		"the ledger has no entry %d, which %s recorded as its head (%s): the ledger was cut back or replaced",
		h.Entry, source, short(h.Hash))}
}

// WitnessCopy compares stored (the ledger on ref) with another copy of
// it (other, read from source: a mirror's ref). The two must agree on
// every entry both hold; one may be ahead of the other. The first entry
// where they differ is named: from there on, one of the copies was
// rewritten. A copy holding entries this ledger lacks is a finding too
// (medium: the local ref may only be behind, or its newest entries were
// removed).
func WitnessCopy(stored, other []Stored, ref, source string) []record.Finding {
	mine, theirs := hashes(stored), hashes(other)
	var last, lastOther int64
	for seq := range mine {
		last = max(last, seq)
	}
	for seq := range theirs {
		lastOther = max(lastOther, seq)
	}
	for seq := int64(1); seq <= min(last, lastOther); seq++ {
		a, okA := mine[seq]
		b, okB := theirs[seq]
		switch {
		case okA && okB && a == b:
			continue
		case okA && okB:
			return []record.Finding{witnessFinding(ref, fmt.Sprintf("entry %d", seq),
				"the ledger of record is the copy the workflows push to; find who rewrote the other (its reflog, the push history)",
				"entry %d differs from %s's copy (%s here, %s there): the two ledgers diverge from entry %d on, so one of them was rewritten",
				seq, source, short(a), short(b), seq)}
		case okA != okB:
			where := source
			if okA {
				where = "this ledger"
			}
			return []record.Finding{witnessFinding(ref, fmt.Sprintf("entry %d", seq), "",
				"entry %d is only in %s: the two ledgers diverge from entry %d on, so one of them was rewritten", seq, where, seq)}
		}
	}
	if lastOther > last {
		f := witnessFinding(ref, fmt.Sprintf("entry %d", last+1),
			"fetch the ledger (git fetch "+source+" +"+ref+":"+ref+"); if this copy is the ledger of record, its newest entries were removed",
			"%s holds entries %d to %d, which this ledger lacks", source, last+1, lastOther)
		f.Severity = record.SevMedium
		return []record.Finding{f}
	}
	return nil
}

// hashes maps each entry's sequence number to its hash (an undecodable
// commit or a duplicate is VerifyChain's finding; the first copy counts).
func hashes(stored []Stored) map[int64]string {
	out := make(map[int64]string, len(stored))
	for i := range stored {
		s := &stored[i]
		if s.Entry == nil {
			continue
		}
		if _, dup := out[s.Entry.Seq]; !dup {
			out[s.Entry.Seq] = Hash(s.Raw)
		}
	}
	return out
}
