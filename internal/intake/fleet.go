package intake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/estate-dev/estate/internal/record"
)

// FleetHost is the part of a Fleet host (GET /api/v1/fleet/hosts, with
// populate_software and populate_policies, or GET /api/v1/fleet/hosts/{id})
// estate reads.
type FleetHost struct {
	ID              json.Number `json:"id"`
	Hostname        string      `json:"hostname"`
	ComputerName    string      `json:"computer_name"`
	UUID            string      `json:"uuid"`
	Platform        string      `json:"platform"`
	PlatformLike    string      `json:"platform_like"`
	OSVersion       string      `json:"os_version"`
	Build           string      `json:"build"`
	HardwareVendor  string      `json:"hardware_vendor"`
	HardwareModel   string      `json:"hardware_model"`
	HardwareSerial  string      `json:"hardware_serial"`
	DetailUpdatedAt string      `json:"detail_updated_at"`
	SeenTime        string      `json:"seen_time"`
	DiskEncryption  *bool       `json:"disk_encryption_enabled"`
	Software        []struct {
		Name    string `json:"name"`
		Version string `json:"version"`
		Source  string `json:"source"`
	} `json:"software"`
	Policies []struct {
		ID       json.Number `json:"id"`
		Name     string      `json:"name"`
		Response string      `json:"response"`
	} `json:"policies"`
	Users []struct {
		UID      *int   `json:"uid"`
		Username string `json:"username"`
	} `json:"users"`
}

// ParseFleetPage reads a Fleet hosts page ({"hosts": [...]}), one host
// ({"host": {...}}, as "Get host" returns it) or fleetctl's 'get host
// --json' ({"kind": "host", "spec": {...}}).
func ParseFleetPage(data []byte) ([]FleetHost, error) {
	var p struct {
		Hosts *[]FleetHost `json:"hosts"`
		Host  *FleetHost   `json:"host"`
		Kind  string       `json:"kind"`
		Spec  *FleetHost   `json:"spec"`
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, jsonErr("read Fleet page", data, err)
	}
	switch {
	case p.Hosts != nil:
		return *p.Hosts, nil
	case p.Host != nil:
		return []FleetHost{*p.Host}, nil
	case p.Kind == "host" && p.Spec != nil:
		return []FleetHost{*p.Spec}, nil
	}
	return nil, errors.New("read Fleet page: neither hosts nor a host: not a Fleet hosts response")
}

// FromFleet maps a Fleet host to facts: hardware_serial, hostname (else
// computer_name), hardware_model, hardware_vendor and uuid to identity;
// platform (and platform_like) to os.family, os_version to os.name and
// os.version ("CentOS Linux 8.3.2011": name CentOS Linux, version
// 8.3.2011), build to os.build; disk_encryption_enabled to
// security.disk_encryption; software to packages (source the osquery
// table's, "rpm_packages" as rpm); users to users; each policy's result
// to policies (pass true, fail false, no response yet unknown);
// detail_updated_at (else seen_time) to collected_at.
func FromFleet(h FleetHost, now time.Time) *record.Facts {
	f := newFacts("fleet:hosts/" + h.ID.String())
	at := h.DetailUpdatedAt
	if t, err := time.Parse(time.RFC3339Nano, at); err != nil || t.Year() <= 1970 {
		at = h.SeenTime
	}
	f.CollectedAt = collectedAt(at, now, "detail_updated_at", f)
	f.Identity = record.Identity{Serial: clean(h.HardwareSerial), Hostname: or(clean(h.Hostname), clean(h.ComputerName)),
		Model: clean(h.HardwareModel), Manufacturer: clean(h.HardwareVendor), UUID: clean(h.UUID)}
	osf := record.OSFacts{Family: fleetFamily(h.Platform, h.PlatformLike), Build: clean(h.Build)}
	osf.Name, osf.Version = splitVersion(clean(h.OSVersion))
	if osf != (record.OSFacts{}) {
		f.OS = &osf
	}
	if h.DiskEncryption != nil {
		f.Security = &record.Security{DiskEncryption: h.DiskEncryption}
	}
	for _, s := range h.Software {
		if n := clean(s.Name); n != "" {
			f.Packages = append(f.Packages, record.Package{Name: n, Version: clean(s.Version), Source: strings.TrimSuffix(clean(s.Source), "_packages")})
		}
	}
	for _, u := range h.Users {
		if n := clean(u.Username); n != "" {
			f.Users = append(f.Users, record.User{Name: n, UID: u.UID})
		}
	}
	for _, p := range h.Policies {
		n := clean(p.Name)
		if n == "" {
			continue
		}
		pr := record.Policy{ID: clean(p.ID.String()), Name: n, Source: "fleet"}
		switch strings.ToLower(strings.TrimSpace(p.Response)) {
		case "pass":
			pr.Passed = ptr(true)
		case "fail":
			pr.Passed = ptr(false)
		}
		f.Policies = append(f.Policies, pr)
	}
	return f
}

// fleetFamily maps Fleet's platform (osquery's) to #OS.
func fleetFamily(platform, like string) string {
	switch p := strings.ToLower(strings.TrimSpace(platform)); p {
	case "darwin":
		return "macos"
	case "windows", "ios", "ipados", "android":
		return p
	case "chrome":
		return "chromeos"
	case "ubuntu", "debian", "rhel", "centos", "fedora", "amzn", "arch", "manjaro", "gentoo", "opensuse", "sles", "linux", "pop", "kali":
		return "linux"
	}
	if like != "" && (strings.Contains(like, "rhel") || strings.Contains(like, "debian") || strings.Contains(like, "arch") || strings.Contains(like, "suse")) {
		return "linux"
	}
	return family(platform)
}

// splitVersion splits "CentOS Linux 8.3.2011" into its name and the
// version its last word is when that starts with a digit.
func splitVersion(s string) (name, version string) {
	i := strings.LastIndexByte(s, ' ')
	if i > 0 && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
		return s[:i], s[i+1:]
	}
	return s, ""
}

// fleet streams GET /api/v1/fleet/hosts with software and policy
// results, Workers pages at once, until a page holds fewer than
// per_page hosts. A host listed without software (a Fleet server older
// than populate_software ignores it) is read again with GET
// /api/v1/fleet/hosts/{id}, which returns its software and policies:
// no device's packages are left out because the list left them out.
func (p *puller) fleet(ctx context.Context) error {
	fetch := func(ctx context.Context, n int) ([]FleetHost, error) {
		q := url.Values{"page": {strconv.Itoa(n)}, "per_page": {strconv.Itoa(p.o.PageSize)}, "order_key": {"id"},
			"populate_software": {"true"}, "populate_policies": {"true"}}
		body, err := p.get(ctx, p.api.String()+"/api/v1/fleet/hosts?"+q.Encode())
		if err != nil {
			return nil, err
		}
		hs, err := ParseFleetPage(body)
		if err != nil {
			return nil, err
		}
		for i := range hs {
			if hs[i].Software == nil && hs[i].ID != "" {
				if hs[i], err = p.fleetHost(ctx, hs[i].ID); err != nil {
					return nil, err
				}
			}
		}
		return hs, nil
	}
	return numbered(ctx, p.o.Workers, fetch, func(n int, hs []FleetHost) (bool, error) {
		for _, h := range hs {
			if err := p.emit(FromFleet(h, p.o.Now)); err != nil {
				return false, err
			}
		}
		p.page(-1)
		return len(hs) >= p.o.PageSize, nil
	})
}

// fleetHost reads one host with GET /api/v1/fleet/hosts/{id}.
func (p *puller) fleetHost(ctx context.Context, id json.Number) (FleetHost, error) {
	body, err := p.get(ctx, p.api.String()+"/api/v1/fleet/hosts/"+url.PathEscape(id.String()))
	if err != nil {
		return FleetHost{}, fmt.Errorf("host %s, listed without software: %w", id, err)
	}
	hs, err := ParseFleetPage(body)
	if err != nil {
		return FleetHost{}, fmt.Errorf("host %s: %w", id, err)
	}
	if len(hs) != 1 || hs[0].ID != id {
		return FleetHost{}, fmt.Errorf("host %s: GET /api/v1/fleet/hosts/%s answered with another host", id, id)
	}
	return hs[0], nil
}

// jsonErr places a JSON syntax or type error at its line and column of
// data.
func jsonErr(what string, data []byte, err error) error {
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	if off < 0 {
		return fmt.Errorf("%s: %w", what, err)
	}
	line, col := lineCol(data, int(off))
	return &PageError{Line: line, Col: col, Err: fmt.Errorf("%s: line %d, column %d: %w", what, line, col, err)}
}

// PageError is a page that does not parse, at its line and column.
type PageError struct {
	Line, Col int
	Err       error
}

func (e *PageError) Error() string { return e.Err.Error() }
func (e *PageError) Unwrap() error { return e.Err }

func lineCol(data []byte, off int) (line, col int) {
	off = min(off, len(data))
	line, col = 1, 1
	for _, b := range data[:off] {
		if b == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}
