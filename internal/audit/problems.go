package audit

import (
	"cmp"

	"github.com/estate-dev/estate/internal/record"
)

// knownError returns the id of the first known error (problems/, by id)
// that explains control failing on p's device, or "".
func (r *run) knownError(control string, p *pair) string {
	for _, pr := range r.knownErrors {
		if pr.Match.Control != control {
			continue
		}
		f, a := p.dev.Facts, p.asset
		var osVersion string
		if f.OS != nil {
			osVersion = f.OS.Version
		}
		if pr.Match.Matches(control, cmp.Or(f.Identity.Model, a.Model), osVersion, a.Location, f.Packages) {
			return pr.ID
		}
	}
	return ""
}

// compileProblems keeps the estate's known errors, by id.
func (r *run) compileProblems() {
	for _, id := range sortedKeys(r.e.Problems) {
		if pr := r.e.Problems[id]; pr.Status == record.ProblemKnownError {
			r.knownErrors = append(r.knownErrors, pr)
		}
	}
}
