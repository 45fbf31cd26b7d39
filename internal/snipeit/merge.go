package snipeit

import "github.com/estate-dev/estate/internal/record"

// Merge returns old updated with what an imported row holds: every field
// the row sets replaces the old value; fields the row leaves empty (and
// those a CSV cannot hold, such as exemptions) keep their old value. The
// class and id stay as they were (the record's file does not move).
func Merge(old, imported *record.Asset) *record.Asset {
	m := *old
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&m.Status, imported.Status)
	set(&m.Serial, imported.Serial)
	set(&m.Manufacturer, imported.Manufacturer)
	set(&m.Model, imported.Model)
	set(&m.Hostname, imported.Hostname)
	set(&m.OS, imported.OS)
	if record.HolderOf(imported).Kind != "" { // the row's holder replaces the record's whole
		m.Owner, m.HeldBy, m.AttachedTo = imported.Owner, imported.HeldBy, imported.AttachedTo
	}
	set(&m.Location, imported.Location)
	set(&m.Baseline, imported.Baseline)
	set(&m.LastAudit, imported.LastAudit)
	set(&m.Notes, imported.Notes)
	if p := imported.Purchase; p != nil {
		np := record.Purchase{}
		if old.Purchase != nil {
			np = *old.Purchase
		}
		set(&np.Date, p.Date)
		set(&np.Currency, p.Currency)
		set(&np.Supplier, p.Supplier)
		set(&np.Order, p.Order)
		if p.Cost != 0 {
			np.Cost = p.Cost
		}
		m.Purchase = &np
	}
	if w := imported.Warranty; w != nil {
		nw := record.Warranty{}
		if old.Warranty != nil {
			nw = *old.Warranty
		}
		set(&nw.Expires, w.Expires)
		set(&nw.Provider, w.Provider)
		m.Warranty = &nw
	}
	if len(imported.Licences) > 0 {
		m.Licences = imported.Licences
	}
	if len(imported.Tags) > 0 {
		m.Tags = imported.Tags
	}
	if imported.Disposal != nil {
		m.Disposal = imported.Disposal
	}
	return &m
}
