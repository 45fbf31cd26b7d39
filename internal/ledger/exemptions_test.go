package ledger_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/record"
)

func TestExpiredExemptions(t *testing.T) {
	assets := map[string]*record.Asset{
		"LT-2": {ID: "LT-2", Exemptions: []record.Exemption{
			{Control: "FW-1", Expires: "2026-11-22", Change: "CR-1"}, // expired yesterday
			{Control: "DISK-1", Expires: "2026-11-23"},               // holds through today
			{Control: "OS-1", Expires: "2026-12-31"},
			{Control: "BAD-1", Expires: "soon"}, // validate's to report
		}},
		"LT-1": {ID: "LT-1", Exemptions: []record.Exemption{
			{Control: "OS-1", Expires: "2025-01-31", Change: "CR-0"},
			{Control: "FW-1", Expires: "2026-10-01"}, // recorded already
			{Control: "AV-1", Expires: "2026-10-02"}, // renewed after an earlier lapse
		}},
	}
	entries := []*ledger.Entry{
		{Seq: 1, Kind: ledger.KindExemptionExpired, Exemption: &ledger.Exemption{Record: "LT-1", Control: "FW-1", Expires: "2026-10-01"}},
		{Seq: 2, Kind: ledger.KindExemptionExpired, Exemption: &ledger.Exemption{Record: "LT-1", Control: "AV-1", Expires: "2026-01-01"}},
		{Seq: 3, Kind: ledger.KindExemptionGranted, Exemption: &ledger.Exemption{Record: "LT-1", Control: "OS-1", Expires: "2025-01-31"}},
	}
	// The audit ran late in the evening in New York: already the 24th in UTC.
	at := time.Date(2026, 11, 23, 23, 30, 0, 0, time.FixedZone("EST", -5*3600))
	got := ledger.ExpiredExemptions(entries, assets, at)
	want := []ledger.Exemption{
		{Record: "LT-1", Control: "AV-1", Expires: "2026-10-02"},
		{Record: "LT-1", Control: "OS-1", Expires: "2025-01-31", Change: "CR-0"},
		{Record: "LT-2", Control: "DISK-1", Expires: "2026-11-23"},
		{Record: "LT-2", Control: "FW-1", Expires: "2026-11-22", Change: "CR-1"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if !ledger.ExpiryRecorded(entries, ledger.Exemption{Record: "LT-1", Control: "FW-1", Expires: "2026-10-01", Change: "CR-9"}) ||
		ledger.ExpiryRecorded(entries, ledger.Exemption{Record: "LT-1", Control: "AV-1", Expires: "2026-10-02"}) {
		t.Error("ExpiryRecorded does not match on asset, control and expiry date alone")
	}
	// Recorded, they are not returned again.
	for i, x := range got {
		entries = append(entries, &ledger.Entry{Seq: int64(4 + i), Kind: ledger.KindExemptionExpired, Exemption: &x})
	}
	if again := ledger.ExpiredExemptions(entries, assets, at); len(again) != 0 {
		t.Errorf("recorded exemptions returned again: %+v", again)
	}
}
