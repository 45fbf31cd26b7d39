package ledger

import (
	"sort"
	"time"

	"github.com/estate-dev/estate/internal/record"
)

// ExpiredExemptions returns the exemptions of assets that had expired by
// the day of at (an exemption holds through its expiry date, as the audit
// honours it) and that entries do not yet record as expired: one
// exemption-expired entry per asset, control and expiry date, so an
// exemption renewed and left to lapse again is recorded again. They come
// sorted by asset and control. An exemption with no valid expiry date is
// not counted here: validate reports it.
func ExpiredExemptions(entries []*Entry, assets map[string]*record.Asset, at time.Time) []Exemption {
	today := at.UTC().Format(time.DateOnly)
	done := map[Exemption]bool{}
	for _, e := range entries {
		if e.Kind == KindExemptionExpired && e.Exemption != nil {
			done[expiryKey(*e.Exemption)] = true
		}
	}
	var out []Exemption
	for _, a := range assets {
		for _, x := range a.Exemptions {
			if _, err := time.Parse(time.DateOnly, x.Expires); err != nil || x.Expires >= today {
				continue
			}
			key := expiryKey(Exemption{Record: a.ID, Control: x.Control, Expires: x.Expires})
			if done[key] {
				continue
			}
			done[key] = true
			key.Change = x.Change
			out = append(out, key)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Record != out[j].Record {
			return out[i].Record < out[j].Record
		}
		return out[i].Control < out[j].Control
	})
	return out
}

// ExpiryRecorded reports whether entries hold the exemption-expired entry
// of x: the same asset, control and expiry date.
func ExpiryRecorded(entries []*Entry, x Exemption) bool {
	for _, e := range entries {
		if e.Kind == KindExemptionExpired && e.Exemption != nil && expiryKey(*e.Exemption) == expiryKey(x) {
			return true
		}
	}
	return false
}

// expiryKey is what identifies an expiry: asset, control, expiry date.
func expiryKey(x Exemption) Exemption {
	return Exemption{Record: x.Record, Control: x.Control, Expires: x.Expires}
}
