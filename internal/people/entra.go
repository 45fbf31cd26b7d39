package people

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/estate-dev/estate/internal/core"

	"github.com/estate-dev/estate/internal/intake"
	"github.com/estate-dev/estate/internal/record"
)

// FromEntra makes people of Entra users: the id is the mail (or the user
// principal name), the team the department, the location the
// officeLocation when a location of the estate has that id or name, the
// manager the manager's mail; a disabled account or a leave date passed
// makes a leaver. A user without a name takes the email as its name.
func FromEntra(users []intake.EntraUser, now time.Time) []Input {
	out := make([]Input, 0, len(users))
	for _, u := range users {
		p := record.Person{ID: strings.ToLower(u.Email()), Name: strings.TrimSpace(u.DisplayName), Team: strings.TrimSpace(u.Department),
			Status: record.PersonActive}
		if p.Name == "" {
			p.Name = u.Email()
		}
		if u.Manager != nil {
			p.Manager = strings.ToLower(u.Manager.Email())
		}
		if left, gone := u.Left(now); gone {
			p.Status, p.Left = record.PersonLeaver, left
		}
		out = append(out, Input{Person: p, LocationName: strings.TrimSpace(u.OfficeLocation)})
	}
	return out
}

// FromGoogle makes people of Google Workspace users: the id is the
// primary email, the team the primary organisation's department, the
// location the first location's building when a location of the estate
// has that id or name, the manager the relation of type manager; a
// suspended or archived account makes a leaver.
func FromGoogle(users []intake.GoogleUser) []Input {
	out := make([]Input, 0, len(users))
	for _, u := range users {
		p := record.Person{ID: strings.ToLower(u.PrimaryEmail), Name: strings.TrimSpace(u.Name.FullName), Team: strings.TrimSpace(u.Department()),
			Manager: strings.ToLower(strings.TrimSpace(u.Manager())), Status: record.PersonActive}
		if p.Name == "" {
			p.Name = u.PrimaryEmail
		}
		if left, gone := u.Left(); gone {
			p.Status, p.Left = record.PersonLeaver, left
		}
		out = append(out, Input{Person: p, LocationName: strings.TrimSpace(u.Building())})
	}
	return out
}

// Pull reads the people of source (entra or google) through the
// directory's read-only API: what was read, a problem when a page could
// not be read (what came before it is kept), and what the report names
// as read from. An error means nothing could be pulled (a usage error:
// credentials or the service's answer).
func Pull(ctx context.Context, source string, o intake.PullOptions) (in []Input, probs []Problem, from string, err error) {
	var failed string
	switch source {
	case "google":
		var users []intake.GoogleUser
		users, failed, err = intake.PullGoogleUsers(ctx, o)
		in, from = FromGoogle(users), "Google Workspace"
	case "entra":
		var users []intake.EntraUser
		users, failed, err = intake.PullEntraUsers(ctx, o)
		in, from = FromEntra(users, o.Now), "Entra ID"
	default:
		return nil, nil, "", core.UsageError(fmt.Errorf("no directory %q: entra or google", source), "")
	}
	if err != nil {
		return nil, nil, from, core.UsageError(err, "")
	}
	if failed != "" {
		probs = append(probs, Problem{Severity: "error", Reason: failed})
	}
	return in, probs, from, nil
}
