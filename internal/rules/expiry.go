package rules

import (
	"fmt"
	"time"

	"github.com/estate-dev/estate/internal/record"
)

// expiryRule: an exemption that has expired no longer waives anything and
// must be renewed (under a new change request) or removed.
type expiryRule struct{}

func (expiryRule) Name() string { return "expired-exemption" }

func (expiryRule) Check(e *record.Estate, env Env) []record.Finding {
	var out []record.Finding
	today := env.Now.Format(time.DateOnly)
	for _, r := range e.Records {
		if r.Kind != record.KindAsset {
			continue
		}
		for i, x := range r.Asset.Exemptions {
			if x.Expires != "" && x.Expires < today {
				out = append(out, at(r, fmt.Sprintf("exemptions.%d.expires", i), "expired-exemption", record.SevMedium,
					fmt.Sprintf("the exemption from %s expired on %s", x.Control, x.Expires),
					"renew it under a new change request, or remove it"))
			}
		}
	}
	return redacted(out)
}
