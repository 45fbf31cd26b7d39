package match

import (
	"strings"
	"sync"

	"github.com/estate-dev/estate/internal/record"
)

// Serial returns a serial fit to compare (trimmed, upper case), or "" for
// the placeholders firmware writes when it has no serial.
func Serial(s string) string {
	s = trimSpace(s)
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' || c >= 0x80 {
			s = strings.ToUpper(s)
			break
		}
	}
	switch s {
	case "", "0", "NONE", "N/A", "NA", "NULL", "UNKNOWN", "DEFAULT STRING", "TO BE FILLED BY O.E.M.",
		"SYSTEM SERIAL NUMBER", "NOT SPECIFIED", "NOT APPLICABLE", "0123456789", "123456789", "CHASSIS SERIAL NUMBER":
		return ""
	}
	return s
}

// Host returns a hostname's short name (up to the first dot), lower case.
func Host(h string) string {
	h = trimSpace(h)
	if i := strings.IndexByte(h, '.'); i > 0 {
		h = h[:i]
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; c >= 'A' && c <= 'Z' || c >= 0x80 {
			return strings.ToLower(h)
		}
	}
	return h
}

// trimSpace is strings.TrimSpace with a fast path for the usual case.
func trimSpace(s string) string {
	if s == "" || (s[0] > ' ' && s[0] < 0x80 && s[len(s)-1] > ' ' && s[len(s)-1] < 0x80) {
		return s
	}
	return strings.TrimSpace(s)
}

// Index finds the asset records of an estate by serial and by hostname.
// Where two records share an id, serial or hostname, the first in path
// order wins (the uniqueness rules report the others). It is read-only
// once built and safe for concurrent lookups.
type Index struct {
	bySerial, byHost map[string]*record.Record
}

// New indexes the assets of e.
func New(e *record.Estate) *Index {
	recs := e.Records
	nAssets := 0
	for _, rec := range recs {
		if rec.Kind == record.KindAsset {
			nAssets++
		}
	}
	if nAssets < len(e.Assets) { // an estate built without records (tests, synth)
		recs = make([]*record.Record, 0, len(e.Assets))
		for _, a := range e.SortedAssets() {
			recs = append(recs, &record.Record{Kind: record.KindAsset, ID: a.ID, Asset: a})
		}
		nAssets = len(recs)
	}
	dupIDs := nAssets != len(e.Assets) // only then is a lookup needed
	first := func(rec *record.Record) bool {
		return !dupIDs || e.Assets[rec.ID] == rec.Asset
	}
	ix := &Index{}
	var wg sync.WaitGroup
	build := func(m *map[string]*record.Record, key func(*record.Asset) string) {
		defer wg.Done()
		out := make(map[string]*record.Record, nAssets)
		for _, rec := range recs {
			if rec.Kind != record.KindAsset || rec.Asset == nil {
				continue
			}
			if k := key(rec.Asset); k != "" {
				if _, dup := out[k]; !dup && first(rec) {
					out[k] = rec
				}
			}
		}
		*m = out
	}
	wg.Add(2)
	go build(&ix.bySerial, func(a *record.Asset) string { return Serial(a.Serial) })
	go build(&ix.byHost, func(a *record.Asset) string { return Host(a.Hostname) })
	wg.Wait()
	return ix
}

// Find returns the asset record the facts describe: by serial, else by
// hostname (byHost true); nil when none matches.
func (ix *Index) Find(f *record.Facts) (rec *record.Record, byHost bool) {
	if f == nil {
		return nil, false
	}
	if s := Serial(f.Identity.Serial); s != "" {
		if rec = ix.bySerial[s]; rec != nil {
			return rec, false
		}
	}
	if h := Host(f.Identity.Hostname); h != "" {
		if rec = ix.byHost[h]; rec != nil {
			return rec, true
		}
	}
	return nil, false
}

// Key names a device that matches no asset, stably: "serial:S" or
// "host:H" from its normalised identity, or "" when it has neither.
func Key(f *record.Facts) string {
	if f == nil {
		return ""
	}
	if s := Serial(f.Identity.Serial); s != "" {
		return "serial:" + s
	}
	if h := Host(f.Identity.Hostname); h != "" {
		return "host:" + h
	}
	return ""
}

// DeviceKey is what makes two facts documents the same device: the
// serial (as Serial compares it), else the short hostname (as Host
// compares it, prefixed "host:"); "" when the facts name neither.
func DeviceKey(f *record.Facts) string {
	if f == nil {
		return ""
	}
	if s := Serial(f.Identity.Serial); s != "" {
		return s
	}
	if h := Host(f.Identity.Hostname); h != "" {
		return "host:" + h
	}
	return ""
}
