package intake

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/estate-dev/estate/internal/facts"
	"github.com/estate-dev/estate/internal/record"
)

// IntuneDevice is the part of a Graph v1.0 managedDevice estate reads.
// DetectedApps is set when the device was read with
// $expand=detectedApps, or by ReadFiles from a detectedApps page whose
// apps list their managedDevices.
type IntuneDevice struct {
	ID                string      `json:"id"`
	DeviceName        string      `json:"deviceName"`
	SerialNumber      string      `json:"serialNumber"`
	Manufacturer      string      `json:"manufacturer"`
	Model             string      `json:"model"`
	OperatingSystem   string      `json:"operatingSystem"`
	OSVersion         string      `json:"osVersion"`
	IsEncrypted       *bool       `json:"isEncrypted"`
	ComplianceState   string      `json:"complianceState"`
	LastSyncDateTime  string      `json:"lastSyncDateTime"`
	UserPrincipalName string      `json:"userPrincipalName"`
	DetectedApps      []IntuneApp `json:"detectedApps,omitempty"`
}

// IntuneApp is a Graph v1.0 detectedApp; ManagedDevices is set when it
// was read with $expand=managedDevices.
type IntuneApp struct {
	ID             string         `json:"id"`
	DisplayName    string         `json:"displayName"`
	Version        string         `json:"version"`
	ManagedDevices []IntuneDevice `json:"managedDevices,omitempty"`
}

// IntuneSelect is the $select of every managedDevice field FromIntune reads.
const IntuneSelect = "id,deviceName,serialNumber,manufacturer,model,operatingSystem,osVersion,isEncrypted,complianceState,lastSyncDateTime,userPrincipalName"

// intunePage is one Graph collection page; value is an array, or (the
// documentation's "Get managedDevice" example) one object.
type intunePage struct {
	Value    json.RawMessage `json:"value"`
	NextLink string          `json:"@odata.nextLink"`
	Type     string          `json:"@odata.type"`
	ID       string          `json:"id"`
}

// ParseIntunePage reads a Graph page of managedDevices or detectedApps
// (or one managedDevice object, as "Get managedDevice" returns it): the
// devices, the apps, and the @odata.nextLink ("" on the last page).
func ParseIntunePage(data []byte) (devices []IntuneDevice, apps []IntuneApp, next string, err error) {
	var p intunePage
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, nil, "", jsonErr("read Graph page", data, err)
	}
	var raws []json.RawMessage
	switch v := bytes.TrimSpace(p.Value); {
	case len(v) == 0 || string(v) == "null":
		if p.Type == "" && p.ID == "" {
			return nil, nil, "", errors.New("read Graph page: neither a value nor an id: not a Graph response")
		}
		raws = []json.RawMessage{data}
	case v[0] == '{':
		raws = []json.RawMessage{v}
	default:
		if err := json.Unmarshal(v, &raws); err != nil {
			return nil, nil, "", fmt.Errorf("read Graph page: value: %w", err)
		}
	}
	for i, r := range raws {
		var kind struct {
			Type        string `json:"@odata.type"`
			DisplayName string `json:"displayName"`
		}
		if err := json.Unmarshal(r, &kind); err != nil {
			return nil, nil, "", fmt.Errorf("read Graph page: value[%d]: %w", i, err)
		}
		if kind.Type == "#microsoft.graph.detectedApp" || kind.Type == "" && kind.DisplayName != "" {
			var a IntuneApp
			if err := json.Unmarshal(r, &a); err != nil {
				return nil, nil, "", fmt.Errorf("read Graph page: value[%d]: %w", i, err)
			}
			apps = append(apps, a)
			continue
		}
		var d IntuneDevice
		if err := json.Unmarshal(r, &d); err != nil {
			return nil, nil, "", fmt.Errorf("read Graph page: value[%d]: %w", i, err)
		}
		devices = append(devices, d)
	}
	return devices, apps, p.NextLink, nil
}

// FromIntune maps a managedDevice to facts: serialNumber, deviceName,
// manufacturer and model to identity; operatingSystem and osVersion to
// os; isEncrypted to security.disk_encryption; complianceState to
// security.compliant (compliant true; noncompliant, conflict, error and
// inGracePeriod false; unknown and configManager absent);
// userPrincipalName to users; detectedApps to packages (source
// "intune"); lastSyncDateTime to collected_at (now, in UTC, when the
// device never synced, and said under errors).
func FromIntune(d IntuneDevice, now time.Time) *record.Facts {
	f := newFacts("intune:managedDevices/" + d.ID)
	f.CollectedAt = collectedAt(d.LastSyncDateTime, now, "lastSyncDateTime", f)
	f.Identity = record.Identity{Serial: clean(d.SerialNumber), Hostname: clean(d.DeviceName),
		Model: clean(d.Model), Manufacturer: clean(d.Manufacturer)}
	if d.OperatingSystem != "" || d.OSVersion != "" {
		f.OS = &record.OSFacts{Family: family(d.OperatingSystem), Name: clean(d.OperatingSystem), Version: clean(d.OSVersion)}
	}
	sec := &record.Security{DiskEncryption: d.IsEncrypted}
	switch strings.ToLower(d.ComplianceState) {
	case "compliant":
		sec.Compliant = ptr(true)
	case "noncompliant", "conflict", "error", "ingraceperiod":
		sec.Compliant = ptr(false)
	}
	if *sec != (record.Security{}) {
		f.Security = sec
	}
	if u := clean(d.UserPrincipalName); u != "" {
		f.Users = []record.User{{Name: u}}
	}
	f.Packages = IntunePackages(d.DetectedApps)
	return f
}

// IntunePackages maps detectedApps to packages (displayName, version,
// source "intune"), passing over apps without a name.
func IntunePackages(apps []IntuneApp) []record.Package {
	var out []record.Package
	for _, a := range apps {
		if n := clean(a.DisplayName); n != "" {
			out = append(out, record.Package{Name: n, Version: clean(a.Version), Source: "intune"})
		}
	}
	return out
}

// family maps an MDM's operating system name to #OS; "" when unknown.
func family(os string) string {
	s := strings.ToLower(strings.TrimSpace(os))
	switch {
	case s == "macos" || s == "mac" || s == "mac os x" || strings.HasPrefix(s, "macos "):
		return "macos"
	case strings.HasPrefix(s, "windows"):
		return "windows"
	case s == "ios":
		return "ios"
	case s == "ipados":
		return "ipados"
	case strings.HasPrefix(s, "android"):
		return "android"
	case s == "linux" || strings.HasPrefix(s, "ubuntu") || strings.HasPrefix(s, "redhat") || strings.HasPrefix(s, "red hat"):
		return "linux"
	case s == "chromeos" || s == "chrome os":
		return "chromeos"
	}
	return ""
}

// collectedAt reads an MDM timestamp as UTC RFC 3339; when there is none
// (or it does not parse) it returns now and says so under f.Errors.
func collectedAt(s string, now time.Time, field string, f *record.Facts) string {
	if t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s)); err == nil && t.Year() > 1970 {
		return t.UTC().Format(time.RFC3339)
	}
	if now.IsZero() {
		now = time.Now()
	}
	f.Errors = append(f.Errors, fmt.Sprintf("collected_at: the service reported no %s; the time of reading is used", field))
	return now.UTC().Format(time.RFC3339)
}

// clean trims s and drops control characters: what a service reports is
// data, never terminal output.
func clean(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s))
}

func ptr[T any](v T) *T { return &v }

// newFacts is an empty facts document of the mdm collector.
func newFacts(source string) *record.Facts { return facts.New("mdm", source, "") }

// intunePageOf is what linked hands on for a Graph page.
type intunePageOf struct {
	devices []IntuneDevice
	apps    []IntuneApp
}

func parseGraph(body []byte) (intunePageOf, string, error) {
	ds, apps, next, err := ParseIntunePage(body)
	return intunePageOf{ds, apps}, next, err
}

// intune streams the managedDevices. With Apps, the detectedApps and the
// devices of each are read first (Graph v1.0 lists the devices of one
// detectedApp at a time: one request an app), then each device is
// written with its packages: all of its apps or, when a request of them
// fails, none (unknown), never some.
func (p *puller) intune(ctx context.Context) error {
	byDevice, appsErr := map[string][]IntuneApp(nil), error(nil)
	if p.o.Apps {
		byDevice, appsErr = p.intuneApps(ctx)
		if appsErr != nil {
			byDevice = nil
		}
	}
	q := url.Values{"$select": {IntuneSelect}}
	err := linked(ctx, p, "managedDevices", p.api.String()+"/deviceManagement/managedDevices?"+q.Encode(), parseGraph, func(pg intunePageOf) error {
		for _, d := range pg.devices {
			d.DetectedApps = append(d.DetectedApps, byDevice[d.ID]...)
			if err := p.emit(FromIntune(d, p.o.Now)); err != nil {
				return err
			}
		}
		p.page(-1)
		return nil
	})
	if err == nil && appsErr != nil {
		err = fmt.Errorf("%w; no device's packages written", appsErr)
	}
	return err
}

// intuneApps reads detectedApps and each app's managedDevices: the apps
// of each device id.
func (p *puller) intuneApps(ctx context.Context) (map[string][]IntuneApp, error) {
	var apps []IntuneApp
	q := url.Values{"$select": {"id,displayName,version"}}
	if err := linked(ctx, p, "detectedApps", p.api.String()+"/deviceManagement/detectedApps?"+q.Encode(), parseGraph, func(pg intunePageOf) error {
		apps = append(apps, pg.apps...)
		return nil
	}); err != nil {
		return nil, err
	}
	byDevice := map[string][]IntuneApp{}
	q = url.Values{"$select": {"id"}}
	for _, a := range apps {
		if a.ID == "" || clean(a.DisplayName) == "" {
			continue
		}
		what := "detectedApps/" + a.ID + "/managedDevices"
		err := linked(ctx, p, what, p.api.String()+"/deviceManagement/detectedApps/"+url.PathEscape(a.ID)+"/managedDevices?"+q.Encode(), parseGraph,
			func(pg intunePageOf) error {
				for _, d := range pg.devices {
					byDevice[d.ID] = append(byDevice[d.ID], IntuneApp{ID: a.ID, DisplayName: a.DisplayName, Version: a.Version})
				}
				return nil
			})
		if err != nil {
			return nil, err
		}
	}
	return byDevice, nil
}
