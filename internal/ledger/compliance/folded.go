package compliance

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Folded is the ledger's compliance changes folded up to an audit: every
// key not passing, its state and, when it fails (or is unverified after
// failing), the audit its failure began at. It serves what the fold's
// consumers ask of the whole history's end: the previous states an audit
// is compared with (DiffFolded) and failing since (FailingSince), the
// same as Apply and FailingSinceAll over the same audits. Keys are held
// per asset (an index into the assets met) as a short list sorted by
// control (an index into the controls met): no map of a million keys to
// rebuild when a year's fold is read from its cache.
type Folded struct {
	// Times are the folded audits' times, oldest first.
	Times    []time.Time
	assets   []string
	controls []string
	assetIx  map[string]uint32
	ctlIx    map[string]uint32
	keys     [][]standing // per asset, sorted by control
	n        int
}

// standing is a key's control, state and the audit (index into Times,
// plus one; 0: none) its failure began at.
type standing struct {
	ctl   uint32
	since uint32
	state State
}

// NewFolded is the fold of no audits.
func NewFolded() *Folded {
	return &Folded{assetIx: map[string]uint32{}, ctlIx: map[string]uint32{}}
}

// Len is the number of keys not passing.
func (f *Folded) Len() int { return f.n }

// index is the key's asset and control indexes, added when add is set
// (else ok is false for an asset or control never met).
func (f *Folded) index(k Key, add bool) (uint32, uint32, bool) {
	a, ok := f.assetIx[k.Asset]
	if !ok {
		if !add {
			return 0, 0, false
		}
		a = uint32(len(f.assets))
		f.assets = append(f.assets, k.Asset)
		f.keys = append(f.keys, nil)
		f.assetIx[k.Asset] = a
	}
	c, ok := f.ctlIx[k.Control]
	if !ok {
		if !add {
			return 0, 0, false
		}
		c = uint32(len(f.controls))
		f.controls = append(f.controls, k.Control)
		f.ctlIx[k.Control] = c
	}
	return a, c, true
}

// find is where control c is, or would be, in list, and whether it is.
func find(list []standing, c uint32) (int, bool) {
	lo, hi := 0, len(list)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if list[m].ctl < c {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(list) && list[lo].ctl == c
}

// Add folds the next audit's changes in (audits oldest first).
func (f *Folded) Add(a Audit) {
	f.Times = append(f.Times, a.At)
	at := uint32(len(f.Times))
	for _, c := range a.Changes {
		ai, ci, ok := f.index(c.Key, c.State != Pass)
		if !ok {
			continue // a pass for a key never met
		}
		list := f.keys[ai]
		i, found := find(list, ci)
		if c.State == Pass {
			if found {
				f.keys[ai] = slices.Delete(list, i, i+1)
				f.n--
			}
			continue
		}
		if !found {
			list = slices.Insert(list, i, standing{ctl: ci})
			f.keys[ai] = list
			f.n++
		}
		st := &list[i]
		switch c.State {
		case Fail:
			if st.since == 0 {
				st.since = at
			}
		case Exempt:
			st.since = 0
		}
		st.state = c.State
	}
}

func (f *Folded) lookup(k Key) (standing, bool) {
	ai, ci, ok := f.index(k, false)
	if !ok {
		return standing{}, false
	}
	i, found := find(f.keys[ai], ci)
	if !found {
		return standing{}, false
	}
	return f.keys[ai][i], true
}

// State is a key's state (Pass when the fold holds nothing for it).
func (f *Folded) State(k Key) State {
	st, _ := f.lookup(k)
	return st.state
}

// FailingSince is, for a key failing at the last audit folded, the time
// of the audit it began failing at (FailingSinceAll's answer).
func (f *Folded) FailingSince(asset, control string) (time.Time, bool) {
	st, ok := f.lookup(Key{asset, control})
	if !ok || st.state != Fail {
		return time.Time{}, false
	}
	return f.Times[st.since-1], true
}

// States is the fold's states (Apply's map over the same audits).
func (f *Folded) States() map[Key]State {
	out := make(map[Key]State, f.n)
	for a, list := range f.keys {
		for _, st := range list {
			out[Key{f.assets[a], f.controls[st.ctl]}] = st.state
		}
	}
	return out
}

// DiffFolded is Diff(f.States(), cur, judged) without building the map.
func DiffFolded(f *Folded, cur map[Key]State, judged func(asset string) bool) []Change {
	var out []Change
	for k, s := range cur {
		if f.State(k) != s {
			out = append(out, Change{k, s})
		}
	}
	for a, list := range f.keys {
		if len(list) == 0 || !judged(f.assets[a]) {
			continue
		}
		for _, st := range list {
			k := Key{f.assets[a], f.controls[st.ctl]}
			if _, ok := cur[k]; !ok {
				out = append(out, Change{k, Pass})
			}
		}
	}
	Sort(out)
	return out
}

// MarshalBinary writes the fold's keys (not its Times: the ledger holds
// those): the number of audits folded, the assets and controls met, the
// number of keys, then per asset the number of its keys and each one's
// control index, state and failure's audit.
func (f *Folded) MarshalBinary() []byte {
	b := make([]byte, 0, 64+len(f.keys)+f.n*4)
	b = binary.AppendUvarint(b, uint64(len(f.Times)))
	for _, list := range [][]string{f.assets, f.controls} {
		b = binary.AppendUvarint(b, uint64(len(list)))
		for _, s := range list {
			b = binary.AppendUvarint(b, uint64(len(s)))
			b = append(b, s...)
		}
	}
	b = binary.AppendUvarint(b, uint64(f.n))
	for _, list := range f.keys {
		b = binary.AppendUvarint(b, uint64(len(list)))
		for _, st := range list {
			b = binary.AppendUvarint(b, uint64(st.ctl))
			b = append(b, byte(st.state))
			b = binary.AppendUvarint(b, uint64(st.since))
		}
	}
	return b
}

var errFolded = errors.New("compliance fold: malformed")

// UnmarshalFolded reads MarshalBinary's bytes back, with times, the
// times of the audits folded (as many as were written).
func UnmarshalFolded(data []byte, times []time.Time) (*Folded, error) {
	r := reader{data: data}
	n := r.uvarint()
	if r.err != nil || n != uint64(len(times)) {
		return nil, fmt.Errorf("%w: it folds %d audits, not %d", errFolded, n, len(times))
	}
	f := &Folded{Times: times}
	for _, list := range []*[]string{&f.assets, &f.controls} {
		m := r.uvarint()
		if r.err != nil || m > uint64(len(r.data)) {
			return nil, errFolded
		}
		*list = make([]string, 0, m)
		for range m {
			l := r.uvarint()
			if r.err != nil || l > uint64(len(r.data)) || l == 0 {
				return nil, errFolded
			}
			*list = append(*list, string(r.data[:l]))
			r.data = r.data[l:]
		}
	}
	f.assetIx = make(map[string]uint32, len(f.assets))
	for i, s := range f.assets {
		f.assetIx[s] = uint32(i)
	}
	f.ctlIx = make(map[string]uint32, len(f.controls))
	for i, s := range f.controls {
		f.ctlIx[s] = uint32(i)
	}
	if len(f.assetIx) != len(f.assets) || len(f.ctlIx) != len(f.controls) {
		return nil, fmt.Errorf("%w: an asset or control repeats", errFolded)
	}
	total := r.uvarint()
	if r.err != nil || total > uint64(len(r.data)) {
		return nil, errFolded
	}
	all := make([]standing, 0, total)
	f.keys = make([][]standing, len(f.assets))
	for a := range f.keys {
		m := r.uvarint()
		if r.err != nil || m > total-uint64(len(all)) {
			return nil, errFolded
		}
		off := len(all)
		for j := range m {
			ctl := r.uvarint()
			if r.err != nil || len(r.data) == 0 || ctl >= uint64(len(f.controls)) || (j > 0 && uint32(ctl) <= all[len(all)-1].ctl) {
				return nil, errFolded
			}
			st := standing{ctl: uint32(ctl), state: State(r.data[0])}
			r.data = r.data[1:]
			since := r.uvarint()
			switch {
			case r.err != nil, st.state == Pass, st.state > Unverified, since > uint64(len(times)),
				st.state == Fail && since == 0, st.state == Exempt && since != 0:
				return nil, errFolded
			}
			st.since = uint32(since)
			all = append(all, st)
		}
		if m > 0 {
			f.keys[a] = all[off:len(all):len(all)]
		}
	}
	if uint64(len(all)) != total {
		return nil, fmt.Errorf("%w: %d keys, not %d", errFolded, len(all), total)
	}
	if len(r.data) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the keys", errFolded, len(r.data))
	}
	f.n = len(all)
	return f, nil
}

type reader struct {
	data []byte
	err  error
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.data)
	if n <= 0 {
		r.err = errFolded
		return 0
	}
	r.data = r.data[n:]
	return v
}
