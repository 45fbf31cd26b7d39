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
			if a.Owner == "" {
				out = append(out, at(r, "status", "lifecycle", record.SeverityError,
					fmt.Sprintf("a %s asset needs an owner", a.Status), "add owner: with the person's email address"))
			}
		case "disposed":
			if a.Disposal == nil {
				out = append(out, at(r, "status", "lifecycle", record.SeverityError,
					"a disposed asset needs a disposal record (date, method, certificate)", ""))
			}
		}
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
