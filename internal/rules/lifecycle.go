package rules

import (
	"fmt"

	"github.com/estate-dev/estate/internal/record"
)

// lifecycleRule: what each lifecycle state requires of an asset.
type lifecycleRule struct{}

func (lifecycleRule) Name() string { return "lifecycle" }

func (lifecycleRule) Check(e *record.Estate, _ Env) []record.Finding {
	var out []record.Finding
	managed := e.Settings.ManagedClassList()
	for _, r := range e.Records {
		if r.Kind != record.KindAsset {
			continue
		}
		a := r.Asset
		switch a.Status {
		case "deployed", "loaned":
			if record.HolderOf(a).Kind == "" {
				out = append(out, at(r, "status", "lifecycle", record.SeverityError,
					fmt.Sprintf("a %s asset needs a holder", a.Status),
					"add owner: with the person's email address, held_by: location with its location:, or attached_to: with the asset it is attached to"))
			}
		case "disposed":
			if a.Disposal == nil {
				out = append(out, at(r, "status", "lifecycle", record.SeverityError,
					"a disposed asset needs a disposal record (date, method, certificate)", ""))
			}
		}
		out = append(out, holderFindings(e, r)...)
		if a.Disposal != nil && a.Status != "disposed" {
			out = append(out, at(r, "disposal:key", "lifecycle", record.SeverityError,
				fmt.Sprintf("the asset has a disposal record but its status is %s", a.Status), ""))
		}
		if a.Status == "deployed" && contains(managed, a.Class) && a.Baseline == "" {
			out = append(out, at(r, "status", "lifecycle", record.SeverityError,
				fmt.Sprintf("a deployed %s is managed and needs a baseline", a.Class), "add baseline: with the name of a baseline in policies/baselines/"))
		}
		if b := e.Baselines[a.Baseline]; b != nil && b.AppliesTo != nil {
			if len(b.AppliesTo.Classes) > 0 && !contains(b.AppliesTo.Classes, a.Class) {
				out = append(out, at(r, "baseline", "lifecycle", record.SeverityError,
					fmt.Sprintf("baseline %s applies to %v, not to a %s", b.Name, b.AppliesTo.Classes, a.Class), ""))
			}
			if b.AppliesTo.OS != "" && a.OS != "" && a.OS != b.AppliesTo.OS {
				out = append(out, at(r, "baseline", "lifecycle", record.SeverityError,
					fmt.Sprintf("baseline %s is for %s, and this asset runs %s", b.Name, b.AppliesTo.OS, a.OS), ""))
			}
		}
	}
	return out
}

// holderFindings: an asset has at most one holder, a location that holds
// an asset is named, and attachments resolve without a cycle.
func holderFindings(e *record.Estate, r *record.Record) []record.Finding {
	a := r.Asset
	var out []record.Finding
	n := 0
	for _, set := range []bool{a.Owner != "", a.HeldBy != "", a.AttachedTo != ""} {
		if set {
			n++
		}
	}
	if n > 1 {
		out = append(out, at(r, "owner", "holder", record.SeverityError,
			"an asset has one holder: owner, held_by: location and attached_to exclude one another",
			"keep the one that holds it (a location's contact and an attached asset's holder are accountable for it)"))
	}
	if a.HeldBy == record.HeldByLocation && a.Location == "" {
		out = append(out, at(r, "held_by", "holder", record.SeverityError,
			"held_by: location needs the asset's location", "add location: with the id of the location that holds it"))
	}
	if a.AttachedTo == "" {
		return out
	}
	if a.AttachedTo == a.ID {
		return append(out, at(r, "attached_to", "holder", record.SeverityError, "an asset cannot be attached to itself", ""))
	}
	if e.Assets[a.AttachedTo] == nil {
		return append(out, at(r, "attached_to", "reference", record.SeverityError,
			fmt.Sprintf("asset %q does not exist", a.AttachedTo), "correct the id of the asset it is attached to"))
	}
	seen := map[string]bool{a.ID: true}
	for next := e.Assets[a.AttachedTo]; next != nil && next.AttachedTo != ""; next = e.Assets[next.AttachedTo] {
		if seen[next.ID] {
			return append(out, at(r, "attached_to", "holder", record.SeverityError,
				fmt.Sprintf("attached_to makes a cycle through %s", next.ID), "an attachment chain must end at an asset held by a person or a location"))
		}
		seen[next.ID] = true
	}
	return out
}
