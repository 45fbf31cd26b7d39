// Package compliance is the ledger's record of per-device, per-control
// compliance changes: each audit entry's commit holds, in its tree, the
// states that changed since the previous audit (pass to fail, fail to
// pass, exempt, unverified), so that the ledger grows with the changes,
// not with devices times audits. It is pure: the ledger's operations
// (internal/ledger/ops) read and write the blobs.
//
// Layout: compliance/00 ... compliance/ff, one blob per shard of asset
// ids (FNV-1a of the id, low byte), every shard written by every audit
// (an empty shard is git's one empty blob), each a sorted list of lines
// "ASSET<TAB>CONTROL<TAB>STATE". A device's history reads one shard per
// audit.
package compliance

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"sort"
	"strings"
	"time"
)

// Dir is the folder of the shards in an audit entry's tree.
const Dir = "compliance"

// Shards is the number of shards.
const Shards = 256

// State is one device's standing on one control.
type State uint8

// The states. Pass is the default: a device and control the ledger holds
// nothing for passes (or was never judged).
const (
	Pass State = iota
	Fail
	Exempt
	Unverified
)

var stateNames = [...]string{"pass", "fail", "exempt", "unverified"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("state(%d)", s)
}

// ParseState reads a state's name.
func ParseState(s string) (State, bool) {
	for i, n := range stateNames {
		if n == s {
			return State(i), true
		}
	}
	return 0, false
}

// Key is a device (asset id) and a control.
type Key struct{ Asset, Control string }

// Change is a key's new state.
type Change struct {
	Key
	State State
}

// Shard is the shard file (relative to Dir) that holds an asset's changes.
func Shard(asset string) string {
	h := fnv.New32a()
	h.Write([]byte(asset))
	return fmt.Sprintf("%02x", h.Sum32()&0xff)
}

// Diff lists the changes from prev to cur (both holding non-pass states
// only), sorted. An asset not judged by the audit (judged false: missing,
// not seen) keeps its state: it did not change, it was not looked at.
func Diff(prev, cur map[Key]State, judged func(asset string) bool) []Change {
	var out []Change
	for k, s := range cur {
		if prev[k] != s {
			out = append(out, Change{k, s})
		}
	}
	for k := range prev {
		if _, ok := cur[k]; !ok && judged(k.Asset) {
			out = append(out, Change{k, Pass})
		}
	}
	Sort(out)
	return out
}

// Sort orders changes by asset, then control.
func Sort(cs []Change) {
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].Asset != cs[j].Asset {
			return cs[i].Asset < cs[j].Asset
		}
		return cs[i].Control < cs[j].Control
	})
}

// Apply folds changes into a state map of non-pass states.
func Apply(state map[Key]State, cs []Change) {
	for _, c := range cs {
		if c.State == Pass {
			delete(state, c.Key)
		} else {
			state[c.Key] = c.State
		}
	}
}

// Encode writes sorted changes as the shard files (paths under Dir, all
// of them) and the digest of their lines in order ("sha256:<hex>").
func Encode(cs []Change) (map[string][]byte, string) {
	bufs := make([]bytes.Buffer, Shards)
	for _, c := range cs {
		b := &bufs[shardIndex(c.Asset)]
		b.WriteString(c.Asset)
		b.WriteByte('\t')
		b.WriteString(c.Control)
		b.WriteByte('\t')
		b.WriteString(c.State.String())
		b.WriteByte('\n')
	}
	files := make(map[string][]byte, Shards)
	h := sha256.New()
	for i := range bufs {
		files[fmt.Sprintf("%s/%02x", Dir, i)] = bufs[i].Bytes()
		h.Write(bufs[i].Bytes())
	}
	return files, "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// Digest is the digest Encode gives, of shard contents in shard order.
func Digest(shards [][]byte) string {
	h := sha256.New()
	for _, s := range shards {
		h.Write(s)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

func shardIndex(asset string) int {
	h := fnv.New32a()
	h.Write([]byte(asset))
	return int(h.Sum32() & 0xff)
}

// Decode reads one shard; name is for errors (name:line:column).
func Decode(name string, data []byte) ([]Change, error) {
	var out []Change
	line := 0
	for len(data) > 0 {
		line++
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			return nil, fmt.Errorf("%s:%d:%d: the last line does not end", name, line, len(data)+1)
		}
		l := string(data[:i])
		data = data[i+1:]
		f := strings.Split(l, "\t")
		if len(f) != 3 || f[0] == "" || f[1] == "" {
			return nil, fmt.Errorf("%s:%d:1: want ASSET, CONTROL and STATE separated by tabs", name, line)
		}
		s, ok := ParseState(f[2])
		if !ok {
			return nil, fmt.Errorf("%s:%d:%d: state %q is not one of pass, fail, exempt, unverified", name, line, len(f[0])+len(f[1])+3, f[2])
		}
		out = append(out, Change{Key{f[0], f[1]}, s})
	}
	return out, nil
}

// Event is one change of one device's state on one control, at an audit.
type Event struct {
	At       time.Time `json:"at"`
	AuditSeq int64     `json:"audit_seq"`
	Control  string    `json:"control"`
	From     State     `json:"-"`
	To       State     `json:"-"`
	FromName string    `json:"from"`
	ToName   string    `json:"to"`
}

// Events turns one device's changes per audit (oldest first) into events
// with the state each left.
func Events(asset string, audits []Audit) []Event {
	cur := map[string]State{}
	var out []Event
	for _, a := range audits {
		for _, c := range a.Changes {
			if c.Asset != asset {
				continue
			}
			from := cur[c.Control]
			if from == c.State {
				continue
			}
			cur[c.Control] = c.State
			out = append(out, Event{At: a.At, AuditSeq: a.Seq, Control: c.Control, From: from, To: c.State,
				FromName: from.String(), ToName: c.State.String()})
		}
	}
	return out
}

// Audit is one audit's changes.
type Audit struct {
	Seq     int64
	At      time.Time
	Changes []Change
}

// FailingSinceAll folds every audit's changes (oldest first) into, per
// device and control failing at the last audit, the time of the audit it
// began failing at without a pass or an exemption since (a spell of
// unverified does not end the failure). For one device, fold the audits
// of its shard (ReadCompliance with an asset).
func FailingSinceAll(audits []Audit) map[Key]time.Time {
	since := map[Key]time.Time{}
	state := map[Key]State{}
	for _, a := range audits {
		for _, c := range a.Changes {
			state[c.Key] = c.State
			switch c.State {
			case Fail:
				if _, ok := since[c.Key]; !ok {
					since[c.Key] = a.At
				}
			case Pass, Exempt:
				delete(since, c.Key)
			}
		}
	}
	for k := range since {
		if state[k] != Fail {
			delete(since, k)
		}
	}
	return since
}
