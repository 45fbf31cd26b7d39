package report

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/record"
)

// TestWriteJSONMatchesEncoder holds the streamed JSON to what
// json.Encoder writes, byte for byte: an empty inventory, one record, and
// many records with every field empty or full, non-ASCII, quotes,
// backslashes, control characters and the HTML characters the encoder
// escapes.
func TestWriteJSONMatchesEncoder(t *testing.T) {
	odd := []string{"", "plain", "José Müller", "日本", "say \"hi\"", `C:\path`, "tab\there", "nl\nx", "\x01", "<b>&amp;</b>", "\u2028", "\x7f", "emoji 💻"}
	var recs []*record.Record
	for i := range 200 {
		s := func(k int) string { return odd[(i+k)%len(odd)] }
		id := fmt.Sprintf("LT-%03d%s", i, s(0))
		rec := &record.Record{Kind: record.KindAsset, ID: id, Path: "inventory/laptop/" + id + ".yaml",
			Asset: &record.Asset{ID: id, Class: s(1), Status: s(2), Location: s(3), Baseline: s(4), Owner: s(5)}}
		if i%7 == 0 {
			rec = &record.Record{Kind: record.KindLocation, ID: "LOC-" + s(6), Path: "inventory/locations/x.yaml"}
		}
		recs = append(recs, rec)
	}
	entries := []*ledger.Entry{{Seq: 1, Kind: ledger.KindChangeImplemented, Time: "2026-10-05T10:00:00Z", Type: "normal", Risk: "low",
		Title: "a <title> & \"quotes\"", Commits: &ledger.Commits{Merge: "a"}, Records: []ledger.Affected{{ID: "LT-000", Kind: "Asset", Path: "p"}}}}
	at := time.Date(2026, 11, 20, 23, 59, 59, 0, time.UTC)
	for name, est := range map[string]*record.Estate{
		"empty": record.NewEstate(nil),
		"one":   record.NewEstate(recs[1:2]),
		"many":  record.NewEstate(recs),
		"small": estate(),
	} {
		r := Build(est, entries, Options{AsOf: at, Revision: "abc"})
		want, err := indentJSON(r)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := Write(&got, "json", r); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want) {
			i := 0
			for i < min(got.Len(), len(want)) && got.Bytes()[i] == want[i] {
				i++
			}
			t.Errorf("%s: differs from json.Encoder at byte %d:\n got: %q\nwant: %q", name, i,
				got.Bytes()[max(0, i-80):min(got.Len(), i+80)], want[max(0, i-80):min(len(want), i+80)])
		}
	}
}
