package audit

import (
	"fmt"
	"strings"

	"github.com/estate-dev/estate/internal/record"
)

// leaverAssets indexes the leavers and reports every deployed or loaned
// asset still held by one (directly or through the asset it is attached
// to): the leaver's manager is who acts on it.
func (r *run) leaverAssets() []record.Finding {
	r.leavers = map[string]*record.Person{}
	for id, p := range r.e.People {
		if p.Status != record.PersonLeaver {
			continue
		}
		r.leavers[id] = p
		if local, _, ok := strings.Cut(id, "@"); ok && local != "" {
			if _, taken := r.leavers[local]; !taken {
				r.leavers[local] = p
			}
		}
	}
	if len(r.leavers) == 0 {
		return nil
	}
	var out []record.Finding
	for _, rec := range r.e.Records {
		a := rec.Asset
		if rec.Kind != record.KindAsset || a == nil || r.e.Assets[rec.ID] != a || a.Status != "deployed" && a.Status != "loaned" || !r.opts.Shard.Has(rec.ID) {
			continue
		}
		user := strings.ToLower(r.e.User(a))
		p := r.e.People[user]
		if p == nil || p.Status != record.PersonLeaver {
			continue
		}
		left := ""
		if p.Left != "" {
			left = " on " + p.Left
		}
		out = append(out, record.Finding{Pos: record.Pos{File: rec.Path}, Rule: RuleLeaver, Severity: record.SevHigh,
			Record: a.ID, Field: "owner", Owner: leaverContact(p),
			Message:  fmt.Sprintf("%s is %s to %s, who left%s", a.ID, a.Status, p.ID, left),
			Hint:     "recover the asset and return it to stock, or reassign it, in a change request",
			Expected: "held by an active person", Observed: "held by a leaver (" + p.ID + ")"})
	}
	return out
}

// leaverContact is who acts for a leaver: their manager, else themself.
func leaverContact(p *record.Person) string {
	if p.Manager != "" {
		return p.Manager
	}
	return p.ID
}

// leaverUsers reports the leavers logged in on p's device.
func (w *worker) leaverUsers(p *pair) {
	if len(w.r.leavers) == 0 {
		return
	}
	for _, u := range p.dev.Facts.Users {
		if !u.LoggedIn || !isPerson(u) {
			continue
		}
		n := strings.ToLower(u.Name)
		if i := strings.LastIndexByte(n, '\\'); i >= 0 { // DOMAIN\user
			n = n[i+1:]
		}
		l := w.r.leavers[n]
		if l == nil {
			continue
		}
		a := p.asset
		w.add(record.Finding{Pos: record.Pos{File: p.path}, Rule: RuleLeaverUser, Severity: record.SevHigh, Record: a.ID, Field: "owner",
			Owner:    w.r.e.Accountable(a),
			Message:  fmt.Sprintf("%s was used by %s, who left (user %s logged in)", a.ID, l.ID, u.Name),
			Hint:     "disable the account on the device and recover it; " + leaverContact(l) + " is the leaver's manager",
			Expected: "no leaver logged in", Observed: u.Name, Evidence: p.evidence()})
	}
}
