package compliance

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// randomAudits makes n audits of random changes over a few keys, every
// transition among them (a key may repeat within an audit, and change
// to the state it has: hostile input the ledger could hold).
func randomAudits(rng *rand.Rand, n int) []Audit {
	start := time.Date(2026, 1, 1, 6, 0, 0, 0, time.FixedZone("x", 3600))
	var out []Audit
	for d := range n {
		a := Audit{Seq: int64(d + 1), At: start.Add(time.Duration(d) * 24 * time.Hour)}
		for range rng.IntN(12) {
			a.Changes = append(a.Changes, Change{Key{fmt.Sprintf("LT-%d", rng.IntN(6)), fmt.Sprintf("C%d", rng.IntN(3))}, State(rng.IntN(4))})
		}
		out = append(out, a)
	}
	return out
}

// TestFoldedIsTheFullFold: at every point of random sequences of audits,
// the fold's states, failing since and diff are Apply's, FailingSinceAll's
// and Diff's, before and after a round trip through its bytes.
func TestFoldedIsTheFullFold(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	keys := 0
	for range 200 {
		audits := randomAudits(rng, 1+rng.IntN(20))
		f := NewFolded()
		for i, a := range audits {
			f.Add(a)
			state := map[Key]State{}
			for _, b := range audits[:i+1] {
				Apply(state, b.Changes)
			}
			since := FailingSinceAll(audits[:i+1])
			g, err := UnmarshalFolded(f.MarshalBinary(), f.Times)
			if err != nil {
				t.Fatalf("round trip: %v", err)
			}
			for _, x := range []*Folded{f, g} {
				if got := x.States(); !reflect.DeepEqual(got, state) && len(got)+len(state) > 0 {
					t.Fatalf("audit %d: states %v, want %v", i, got, state)
				}
				keys += x.Len()
				for a := range 6 {
					for c := range 3 {
						k := Key{fmt.Sprintf("LT-%d", a), fmt.Sprintf("C%d", c)}
						got, ok := x.FailingSince(k.Asset, k.Control)
						want, wok := since[k]
						if ok != wok || !got.Equal(want) || got.Location() != want.Location() {
							t.Fatalf("audit %d: %v failing since %v %v, want %v %v", i, k, got, ok, want, wok)
						}
					}
				}
				cur := map[Key]State{}
				for range rng.IntN(8) {
					cur[Key{fmt.Sprintf("LT-%d", rng.IntN(7)), fmt.Sprintf("C%d", rng.IntN(3))}] = State(1 + rng.IntN(3))
				}
				judged := func(a string) bool { return a != "LT-2" }
				if got, want := DiffFolded(x, cur, judged), Diff(state, cur, judged); !reflect.DeepEqual(got, want) {
					t.Fatalf("audit %d: diff %v, want %v", i, got, want)
				}
			}
		}
	}
	if keys == 0 {
		t.Fatal("no fold held a key: the test compared nothing")
	}
}

// TestUnmarshalFoldedRefusesDamage: every truncation of a fold's bytes,
// and bytes after them, are an error, never another fold.
func TestUnmarshalFoldedRefusesDamage(t *testing.T) {
	f := NewFolded()
	for _, a := range randomAudits(rand.New(rand.NewPCG(1, 1)), 10) {
		f.Add(a)
	}
	if f.Len() == 0 {
		t.Fatal("the fold is empty")
	}
	b := f.MarshalBinary()
	for n := range len(b) {
		if _, err := UnmarshalFolded(b[:n], f.Times); err == nil {
			t.Errorf("%d of %d bytes decoded", n, len(b))
		}
	}
	if _, err := UnmarshalFolded(append(b[:len(b):len(b)], 0), f.Times); err == nil {
		t.Error("a byte after the fold decoded")
	}
	if _, err := UnmarshalFolded(b, f.Times[:len(f.Times)-1]); err == nil {
		t.Error("the fold decoded with fewer audits than it folds")
	}
}

// TestLogRoundTrip: audits written as several segments read back as they
// were; a log cut anywhere reads back as a prefix of them or is an error,
// never other changes.
func TestLogRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 3))
	audits := randomAudits(rng, 30)
	var in []LogAudit
	for _, a := range audits {
		in = append(in, LogAudit{Seq: a.Seq, Commit: fmt.Sprintf("%040d", a.Seq), Changes: a.Changes})
	}
	w := NewLog()
	var b []byte
	for _, part := range [][]LogAudit{in[:1], in[1:10], in[10:10], in[10:]} {
		b = w.AppendSegment(b, part)
	}
	read := func(data []byte) ([]LogAudit, error) {
		var out []LogAudit
		err := NewLog().Read(data, func(seq int64, commit string, cs []Change) error {
			out = append(out, LogAudit{seq, commit, cs})
			return nil
		})
		return out, err
	}
	got, err := read(b)
	if err != nil || !reflect.DeepEqual(got, in) {
		t.Fatalf("round trip: %v\n%v\nwant\n%v", err, got, in)
	}
	prefixes := 0
	for n := range len(b) {
		got, err := read(b[:n])
		if err != nil {
			continue
		}
		if len(got) > 0 && !reflect.DeepEqual(got, in[:len(got)]) {
			t.Fatalf("%d of %d bytes read back as other audits", n, len(b))
		}
		prefixes++
	}
	if prefixes == 0 {
		t.Error("no cut read back: every segment boundary should")
	}
}
