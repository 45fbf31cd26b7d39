package validate

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"

	"github.com/estate-dev/estate/internal/record"
)

// The cache holds one entry per record, and nearly all records are
// assets with no findings. gob spends most of a warm run decoding them, so
// those entries have a compact encoding of their own: length-prefixed
// strings in a fixed field order. Anything else stays gob.
//
// Changing record.Asset means changing this codec and cacheVersion; the
// round-trip test over generated estates catches a field left out.

type wbuf struct{ b []byte }

func (w *wbuf) str(s string) {
	w.b = binary.AppendUvarint(w.b, uint64(len(s)))
	w.b = append(w.b, s...)
}

func (w *wbuf) strs(ss []string) {
	w.b = binary.AppendUvarint(w.b, uint64(len(ss)))
	for _, s := range ss {
		w.str(s)
	}
}

func (w *wbuf) flag(ok bool) {
	if ok {
		w.b = append(w.b, 1)
	} else {
		w.b = append(w.b, 0)
	}
}

func (w *wbuf) float(f float64) { w.b = binary.LittleEndian.AppendUint64(w.b, math.Float64bits(f)) }

// rbuf reads from s, one string holding a whole shard: the strings it
// returns are slices of s, so reading allocates no string of its own.
type rbuf struct {
	s   string
	err error
}

var errCodec = errors.New("corrupt asset cache entry")

func (r *rbuf) uvarint() int {
	var x uint64
	var shift uint
	for i := 0; i < len(r.s) && i < binary.MaxVarintLen64; i++ {
		c := r.s[i]
		x |= uint64(c&0x7f) << shift
		if c < 0x80 {
			r.s = r.s[i+1:]
			if x > uint64(len(r.s))+1<<20 {
				r.err, r.s = errCodec, ""
				return 0
			}
			return int(x)
		}
		shift += 7
	}
	r.err, r.s = errCodec, ""
	return 0
}

func (r *rbuf) str() string {
	n := r.uvarint()
	if r.err != nil || n > len(r.s) {
		r.err, r.s = errCodec, ""
		return ""
	}
	s := r.s[:n]
	r.s = r.s[n:]
	return s
}

func (r *rbuf) strs() []string {
	n := r.uvarint()
	if n == 0 || r.err != nil {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = r.str()
	}
	return out
}

func (r *rbuf) flag() bool {
	if len(r.s) < 1 {
		r.err = errCodec
		return false
	}
	f := r.s[0] == 1
	r.s = r.s[1:]
	return f
}

func (r *rbuf) float() float64 {
	if len(r.s) < 8 {
		r.err, r.s = errCodec, ""
		return 0
	}
	f := math.Float64frombits(binary.LittleEndian.Uint64([]byte(r.s[:8])))
	r.s = r.s[8:]
	return f
}

// compactable reports whether e can use the asset encoding.
func compactable(e cacheEntry) bool {
	return e.Record != nil && e.Record.Kind == record.KindAsset && e.Record.Asset != nil && len(e.Findings) == 0
}

func appendAsset(w *wbuf, e cacheEntry) {
	a := e.Record.Asset
	blob, _ := hex.DecodeString(e.Blob)
	w.str(string(blob))
	for _, s := range []string{a.APIVersion, a.Kind, a.ID, a.Class, a.Status, a.Serial, a.Manufacturer, a.Model,
		a.Hostname, a.OS, a.Owner, a.Location, a.HeldBy, a.AttachedTo, a.Baseline, a.LastAudit, a.Notes} {
		w.str(s)
	}
	w.flag(a.Purchase != nil)
	if p := a.Purchase; p != nil {
		w.str(p.Date)
		w.float(p.Cost)
		w.str(p.Currency)
		w.str(p.Supplier)
		w.str(p.Order)
	}
	w.flag(a.Warranty != nil)
	if x := a.Warranty; x != nil {
		w.str(x.Expires)
		w.str(x.Provider)
	}
	w.strs(a.Licences)
	w.b = binary.AppendUvarint(w.b, uint64(len(a.Exemptions)))
	for _, x := range a.Exemptions {
		w.strs([]string{x.Control, x.Reason, x.Change, x.Expires})
	}
	w.flag(a.Disposal != nil)
	if d := a.Disposal; d != nil {
		w.strs([]string{d.Date, d.Method, d.Certificate, d.By})
	}
	w.strs(a.Tags)
	for _, p := range e.Record.Placed {
		w.b = binary.AppendUvarint(w.b, uint64(p.Line))
		w.b = binary.AppendUvarint(w.b, uint64(p.Col))
	}
}

func readAsset(r *rbuf) cacheEntry {
	blob := hex.EncodeToString([]byte(r.str()))
	a := &record.Asset{}
	for _, p := range []*string{&a.APIVersion, &a.Kind, &a.ID, &a.Class, &a.Status, &a.Serial, &a.Manufacturer, &a.Model,
		&a.Hostname, &a.OS, &a.Owner, &a.Location, &a.HeldBy, &a.AttachedTo, &a.Baseline, &a.LastAudit, &a.Notes} {
		*p = r.str()
	}
	if r.flag() {
		a.Purchase = &record.Purchase{Date: r.str(), Cost: r.float(), Currency: r.str(), Supplier: r.str(), Order: r.str()}
	}
	if r.flag() {
		a.Warranty = &record.Warranty{Expires: r.str(), Provider: r.str()}
	}
	a.Licences = r.strs()
	if n := r.uvarint(); n > 0 && r.err == nil {
		a.Exemptions = make([]record.Exemption, n)
		for i := range a.Exemptions {
			s := r.strs()
			if len(s) != 4 {
				r.err = errCodec
				break
			}
			a.Exemptions[i] = record.Exemption{Control: s[0], Reason: s[1], Change: s[2], Expires: s[3]}
		}
	}
	if r.flag() {
		if s := r.strs(); len(s) == 4 {
			a.Disposal = &record.Disposal{Date: s[0], Method: s[1], Certificate: s[2], By: s[3]}
		} else {
			r.err = errCodec
		}
	}
	a.Tags = r.strs()
	rec := &record.Record{Kind: record.KindAsset, ID: a.ID, Asset: a}
	for i := range rec.Placed {
		rec.Placed[i] = record.LineCol{Line: int32(r.uvarint()), Col: int32(r.uvarint())}
	}
	return cacheEntry{Blob: blob, Record: rec}
}
