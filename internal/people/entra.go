package people

import (
	"strings"
	"time"

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
