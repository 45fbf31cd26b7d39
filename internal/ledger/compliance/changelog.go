package compliance

import (
	"encoding/binary"
	"fmt"
)

// Log is the compact binary of audits' changes, for a cache of what the
// ledger holds: segments appended one after another, each the assets and
// controls it names first (added to those of the segments before) and
// then its audits, each an id (the caller's: a sequence number and a
// commit), its number of changes and each change as asset and control
// indexes and a state. A new segment is written for the audits read since
// the last, so the bytes before are kept as they are.
type Log struct {
	assets, controls []string
	assetIx, ctlIx   map[string]uint32
}

// NewLog is the log of no segments.
func NewLog() *Log { return &Log{assetIx: map[string]uint32{}, ctlIx: map[string]uint32{}} }

// LogAudit is one audit of a segment: its id and changes.
type LogAudit struct {
	Seq     int64
	Commit  string
	Changes []Change
}

// AppendSegment appends the segment of audits to b.
func (l *Log) AppendSegment(b []byte, audits []LogAudit) []byte {
	var newA, newC []string
	for _, a := range audits {
		for _, c := range a.Changes {
			if _, ok := l.assetIx[c.Asset]; !ok {
				l.assetIx[c.Asset] = uint32(len(l.assets))
				l.assets = append(l.assets, c.Asset)
				newA = append(newA, c.Asset)
			}
			if _, ok := l.ctlIx[c.Control]; !ok {
				l.ctlIx[c.Control] = uint32(len(l.controls))
				l.controls = append(l.controls, c.Control)
				newC = append(newC, c.Control)
			}
		}
	}
	for _, list := range [][]string{newA, newC} {
		b = binary.AppendUvarint(b, uint64(len(list)))
		for _, s := range list {
			b = binary.AppendUvarint(b, uint64(len(s)))
			b = append(b, s...)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(audits)))
	for _, a := range audits {
		b = binary.AppendVarint(b, a.Seq)
		b = binary.AppendUvarint(b, uint64(len(a.Commit)))
		b = append(b, a.Commit...)
		b = binary.AppendUvarint(b, uint64(len(a.Changes)))
		for _, c := range a.Changes {
			b = binary.AppendUvarint(b, uint64(l.assetIx[c.Asset]))
			b = binary.AppendUvarint(b, uint64(l.ctlIx[c.Control]))
			b = append(b, byte(c.State))
		}
	}
	return b
}

// ReadLog reads every segment of data, in order, into l (which must be
// new), calling audit for each audit with its id and changes (the
// strings shared with the log's); audit's error stops it. Bytes that are
// not whole segments are an error.
func (l *Log) Read(data []byte, audit func(seq int64, commit string, cs []Change) error) error {
	r := reader{data: data}
	for len(r.data) > 0 {
		for _, list := range []*[]string{&l.assets, &l.controls} {
			m := r.uvarint()
			if r.err != nil || m > uint64(len(r.data)) {
				return errFolded
			}
			for range m {
				n := r.uvarint()
				if r.err != nil || n == 0 || n > uint64(len(r.data)) {
					return errFolded
				}
				*list = append(*list, string(r.data[:n]))
				r.data = r.data[n:]
			}
		}
		for _, p := range []struct {
			list []string
			ix   map[string]uint32
		}{{l.assets, l.assetIx}, {l.controls, l.ctlIx}} {
			for i := len(p.ix); i < len(p.list); i++ {
				if _, dup := p.ix[p.list[i]]; dup {
					return fmt.Errorf("%w: a name repeats", errFolded)
				}
				p.ix[p.list[i]] = uint32(i)
			}
		}
		na := r.uvarint()
		if r.err != nil || na > uint64(len(r.data)) {
			return errFolded
		}
		for range na {
			seq, n := binary.Varint(r.data)
			if n <= 0 {
				return errFolded
			}
			r.data = r.data[n:]
			cl := r.uvarint()
			if r.err != nil || cl > uint64(len(r.data)) {
				return errFolded
			}
			commit := string(r.data[:cl])
			r.data = r.data[cl:]
			nc := r.uvarint()
			if r.err != nil || nc > uint64(len(r.data)) {
				return errFolded
			}
			var cs []Change // nil for none, as Decode gives
			if nc > 0 {
				cs = make([]Change, nc)
			}
			for i := range cs {
				a, c := r.uvarint(), r.uvarint()
				if r.err != nil || len(r.data) == 0 || a >= uint64(len(l.assets)) || c >= uint64(len(l.controls)) || r.data[0] > byte(Unverified) {
					return errFolded
				}
				cs[i] = Change{Key{l.assets[a], l.controls[c]}, State(r.data[0])}
				r.data = r.data[1:]
			}
			if err := audit(seq, commit, cs); err != nil {
				return err
			}
		}
	}
	return nil
}
