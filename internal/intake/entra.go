package intake

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// EntraSelect is the $select of estate people pull entra: what a Person
// is made of. employeeLeaveDateTime needs User-LifeCycleInfo.Read.All on
// top of User.Read.All.
const EntraSelect = "id,displayName,mail,userPrincipalName,department,officeLocation,accountEnabled,employeeLeaveDateTime"

// EntraUser is one user of Graph's GET /users, as read.
type EntraUser struct {
	ID                    string     `json:"id"`
	DisplayName           string     `json:"displayName"`
	Mail                  string     `json:"mail"`
	UserPrincipalName     string     `json:"userPrincipalName"`
	Department            string     `json:"department"`
	OfficeLocation        string     `json:"officeLocation"`
	AccountEnabled        *bool      `json:"accountEnabled"`
	EmployeeLeaveDateTime string     `json:"employeeLeaveDateTime"`
	Manager               *EntraUser `json:"manager"`
}

// Email is the user's mail, or the user principal name when it has none.
func (u EntraUser) Email() string {
	if u.Mail != "" {
		return u.Mail
	}
	return u.UserPrincipalName
}

// Left is the day an Entra user left: the date of employeeLeaveDateTime
// when it is not after now, or, for a disabled account without one, "";
// gone says the user is a leaver (account disabled or the leave date passed).
func (u EntraUser) Left(now time.Time) (left string, gone bool) {
	if t, err := time.Parse(time.RFC3339, u.EmployeeLeaveDateTime); err == nil && !t.After(now) {
		return t.UTC().Format(time.DateOnly), true
	}
	return "", u.AccountEnabled != nil && !*u.AccountEnabled
}

// ParseEntraPage reads one page of GET /users: its users and its
// @odata.nextLink.
func ParseEntraPage(body []byte) ([]EntraUser, string, error) {
	var page struct {
		Value *[]EntraUser `json:"value"`
		Next  string       `json:"@odata.nextLink"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, "", fmt.Errorf("read Graph users page: %w", err)
	}
	if page.Value == nil {
		return nil, "", fmt.Errorf("read Graph users page: no value array")
	}
	return *page.Value, page.Next, nil
}

// PullEntraUsers reads every user of Entra ID, read-only: Graph v1.0 GET
// /users with EntraSelect and each user's manager ($expand), paged by
// @odata.nextLink (on the API's own host only), with the Intune client's
// credentials, retries and redaction. A page that keeps failing ends the
// reading: its error is failed, and the users read before it are kept.
func PullEntraUsers(ctx context.Context, o PullOptions) (users []EntraUser, failed string, err error) {
	o.Service = Intune // the same tenant, app registration and token
	p, err := newPuller(o)
	if err != nil {
		return nil, "", fmt.Errorf("%s", strings.Replace(err.Error(), "pull intune", "pull entra", 1))
	}
	if _, err := p.token(ctx); err != nil {
		return nil, "", p.redactErr(err)
	}
	q := url.Values{"$select": {EntraSelect}, "$expand": {"manager($select=mail,userPrincipalName)"}, "$top": {"999"}}
	next := p.api.String() + "/users?" + q.Encode()
	for page := 1; next != ""; page++ {
		body, err := p.get(ctx, next)
		if err == nil {
			var us []EntraUser
			var link string
			if us, link, err = ParseEntraPage(body); err == nil {
				users = append(users, us...)
				if l, perr := url.Parse(link); link != "" && (perr != nil || l.Scheme != p.api.Scheme || l.Host != p.api.Host) {
					err = fmt.Errorf("@odata.nextLink %q is not on %s: not followed", redactURL(link), p.api.Host)
				}
				next = link
			}
		}
		if err != nil {
			return users, p.redact(fmt.Sprintf("users page %d: %v", page, err)), nil
		}
	}
	return users, "", nil
}
