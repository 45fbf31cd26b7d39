package intake

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// GoogleUserScope is the read-only scope estate people pull google asks
// for: the Directory's users, nothing else.
const GoogleUserScope = "https://www.googleapis.com/auth/admin.directory.user.readonly"

// GoogleUser is one user of the Directory API's users.list, as read.
type GoogleUser struct {
	PrimaryEmail string `json:"primaryEmail"`
	Name         struct {
		FullName string `json:"fullName"`
	} `json:"name"`
	Suspended      bool   `json:"suspended"`
	Archived       bool   `json:"archived"`
	SuspensionTime string `json:"suspensionTime"`
	ArchivalTime   string `json:"archivalTime"`
	Organizations  []struct {
		Department string `json:"department"`
		Primary    bool   `json:"primary"`
	} `json:"organizations"`
	Relations []struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	} `json:"relations"`
	Locations []struct {
		BuildingID string `json:"buildingId"`
	} `json:"locations"`
}

// Department is the primary organisation's department (else the first's).
func (u GoogleUser) Department() string {
	for _, o := range u.Organizations {
		if o.Primary {
			return o.Department
		}
	}
	if len(u.Organizations) > 0 {
		return u.Organizations[0].Department
	}
	return ""
}

// Manager is the email of the user's relation of type manager.
func (u GoogleUser) Manager() string {
	for _, r := range u.Relations {
		if r.Type == "manager" {
			return r.Value
		}
	}
	return ""
}

// Building is the building of the user's first location.
func (u GoogleUser) Building() string {
	if len(u.Locations) > 0 {
		return u.Locations[0].BuildingID
	}
	return ""
}

// Left says whether the user is a leaver (suspended or archived) and the
// day it happened when the Directory says.
func (u GoogleUser) Left() (left string, gone bool) {
	if !u.Suspended && !u.Archived {
		return "", false
	}
	for _, s := range []string{u.ArchivalTime, u.SuspensionTime} {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t.UTC().Format(time.DateOnly), true
		}
	}
	return "", true
}

// ParseGoogleUsersPage reads one page of users.list: its users and its
// nextPageToken.
func ParseGoogleUsersPage(body []byte) ([]GoogleUser, string, error) {
	var page struct {
		Kind  string       `json:"kind"`
		Users []GoogleUser `json:"users"`
		Next  string       `json:"nextPageToken"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, "", fmt.Errorf("read Directory users page: %w", err)
	}
	if page.Kind != "admin#directory#users" {
		return nil, "", fmt.Errorf("read Directory users page: kind %q, want admin#directory#users", page.Kind)
	}
	return page.Users, page.Next, nil
}

// PullGoogleUsers reads every user of the Google Workspace customer,
// read-only: Directory API GET admin/directory/v1/users, paged by
// nextPageToken, with a service account's key (GOOGLE_APPLICATION_
// CREDENTIALS) acting for an admin, asking for GoogleUserScope only. A page
// that keeps failing ends the reading: its error is failed, and the users
// read before it are kept.
func PullGoogleUsers(ctx context.Context, o PullOptions) (users []GoogleUser, failed string, err error) {
	o.Service, o.Scope = Google, GoogleUserScope
	p, err := newPuller(o)
	if err != nil {
		return nil, "", fmt.Errorf("%s", strings.Replace(err.Error(), "pull google", "people pull google", 1))
	}
	if _, err := p.token(ctx); err != nil {
		return nil, "", p.redactErr(err)
	}
	q := url.Values{"customer": {or(o.Customer, "my_customer")}, "maxResults": {"500"}, "projection": {"full"}, "orderBy": {"email"}}
	base := p.api.String() + "/admin/directory/v1/users"
	next := base + "?" + q.Encode()
	for page := 1; next != ""; page++ {
		body, err := p.get(ctx, next)
		if err == nil {
			var us []GoogleUser
			var token string
			if us, token, err = ParseGoogleUsersPage(body); err == nil {
				users = append(users, us...)
				next = ""
				if token != "" {
					q.Set("pageToken", token)
					next = base + "?" + q.Encode()
				}
			}
		}
		if err != nil {
			return users, p.redact(fmt.Sprintf("users page %d: %v", page, err)), nil
		}
	}
	return users, "", nil
}
