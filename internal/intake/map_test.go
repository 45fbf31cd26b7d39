package intake

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/facts"
	"github.com/estate-dev/estate/internal/record"
)

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// fixtures returns ../shared/fixtures from the repository root, skipping
// when it is absent outside CI.
func fixtures(t *testing.T) string {
	t.Helper()
	p, _ := filepath.Abs("../../../shared/fixtures")
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("fixtures missing under CI: %v", err)
		}
		t.Skipf("no fixtures at %s", p)
	}
	return p
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures(t), name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// valid checks f is a document estate writes and reads back unchanged.
func valid(t *testing.T, f *record.Facts) {
	t.Helper()
	d := record.Device{Source: f.Collector.Source, Facts: f}
	b, fs := facts.Encode(d, "json", core.BuiltinSchema().NewValidator())
	if len(fs) > 0 {
		t.Fatalf("not a valid facts document: %v", fs)
	}
	back, fs := facts.Parse("x.json", b, nil)
	if len(fs) > 0 || !reflect.DeepEqual(back, f) {
		t.Fatalf("read back %+v, %v; want %+v", back, fs, f)
	}
}

func TestIntuneFixtures(t *testing.T) {
	list, _, next, err := ParseIntunePage(fixture(t, "intune/managedDevices.list.docs-example.json"))
	if err != nil || len(list) != 1 || next != "" {
		t.Fatalf("list: %d devices, next %q, %v", len(list), next, err)
	}
	// The documentation's "Get managedDevice" wraps the device in value.
	got, _, _, err := ParseIntunePage(fixture(t, "intune/managedDevice.get.docs-example.json"))
	if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], list[0]) {
		t.Fatalf("get: %+v, %v; want the list's device", got, err)
	}
	_, apps, _, err := ParseIntunePage(fixture(t, "intune/detectedApps.list.docs-example.json"))
	if err != nil || len(apps) != 1 {
		t.Fatalf("detectedApps: %+v, %v", apps, err)
	}
	d := list[0]
	d.DetectedApps = apps
	f := FromIntune(d, now)
	want := &record.Facts{APIVersion: "estate/v1", Kind: "Facts", CollectedAt: "2017-01-01T08:02:49Z",
		Collector: record.Collector{Name: "mdm", Version: facts.Collector, Source: "intune:managedDevices/705c034c-034c-705c-4c03-5c704c035c70"},
		Identity:  record.Identity{Serial: "Serial Number value", Hostname: "Device Name value", Model: "Model value", Manufacturer: "Manufacturer value"},
		OS:        &record.OSFacts{Name: "Operating System value", Version: "Os Version value"},
		Security:  &record.Security{DiskEncryption: ptr(true), Compliant: ptr(true)},
		Packages:  []record.Package{{Name: "Display Name value", Version: "Version value", Source: "intune"}},
		Users:     []record.User{{Name: "User Principal Name value"}}}
	if !reflect.DeepEqual(f, want) {
		a, _ := json.Marshal(f)
		b, _ := json.Marshal(want)
		t.Fatalf("facts\n%s\nwant\n%s", a, b)
	}
	valid(t, f)
}

func TestIntuneValues(t *testing.T) {
	for state, want := range map[string]*bool{"compliant": ptr(true), "noncompliant": ptr(false), "inGracePeriod": ptr(false),
		"conflict": ptr(false), "error": ptr(false), "unknown": nil, "configManager": nil, "": nil} {
		f := FromIntune(IntuneDevice{ID: "1", DeviceName: "d", ComplianceState: state, LastSyncDateTime: "2026-11-20T10:00:00Z"}, now)
		var got *bool
		if f.Security != nil {
			got = f.Security.Compliant
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("complianceState %q: compliant %v, want %v", state, got, want)
		}
	}
	for os, fam := range map[string]string{"Windows": "windows", "macOS": "macos", "iOS": "ios", "iPadOS": "ipados", "Android": "android", "AndroidEnterprise": "android", "Linux": "linux", "Unknown": ""} {
		if f := FromIntune(IntuneDevice{ID: "1", DeviceName: "d", OperatingSystem: os, LastSyncDateTime: "2026-11-20T10:00:00Z"}, now); f.OS.Family != fam {
			t.Errorf("operatingSystem %q: family %q, want %q", os, f.OS.Family, fam)
		}
	}
	// A device that never synced (Graph's zero time): now, said under errors.
	f := FromIntune(IntuneDevice{ID: "1", SerialNumber: "S1\x1b[31m", LastSyncDateTime: "0001-01-01T00:00:00Z"}, now)
	if f.CollectedAt != "2026-11-23T12:00:00Z" || len(f.Errors) != 1 || f.Identity.Serial != "S1[31m" || f.Security != nil {
		t.Fatalf("%+v", f)
	}
	valid(t, f)
}

func TestJamfFixtures(t *testing.T) {
	cs, total, err := ParseJamfPage(fixture(t, "jamf/computers-inventory.list.sumologic-docs-example.json"))
	// totalCount does not match the results of the published page: it is
	// what paging reads, not a count of this page.
	if err != nil || len(cs) != 1 || total != 3 {
		t.Fatalf("list: %d computers, totalCount %d, %v", len(cs), total, err)
	}
	f := FromJamf(cs[0], now)
	want := &record.Facts{APIVersion: "estate/v1", Kind: "Facts", CollectedAt: "2018-10-31T18:04:13Z",
		Collector: record.Collector{Name: "mdm", Version: facts.Collector, Source: "jamf:computers-inventory/1"},
		Identity:  record.Identity{Serial: "C02ZC2QYLVDL", Hostname: "Boalime", Model: "13-inch MacBook Pro (Mid 2012)", Manufacturer: "Apple", UUID: "123"},
		OS:        &record.OSFacts{Family: "macos", Name: "Mac OS X", Version: "10.9.5", Build: "13A603", Arch: "i386"},
		Security:  &record.Security{DiskEncryption: ptr(true), Firewall: ptr(true), SecureBoot: ptr(true), Gatekeeper: ptr(true), SIP: ptr(true)},
		Packages:  []record.Package{{Name: "Microsoft Word", Version: "1.0.0", Source: "apps"}},
		Users:     []record.User{{Name: "Madison Anderson"}}}
	if !reflect.DeepEqual(f, want) {
		a, _ := json.Marshal(f)
		b, _ := json.Marshal(want)
		t.Fatalf("facts\n%s\nwant\n%s", a, b)
	}
	valid(t, f)

	one, total, err := ParseJamfPage(fixture(t, "jamf/computers-inventory-detail.get.sdk-mock.json"))
	if err != nil || len(one) != 1 || total != -1 {
		t.Fatalf("detail: %+v, %d, %v", one, total, err)
	}
	c := one[0]
	if f := FromJamf(c, now); f.Identity.Hostname != "Test-Mac-001" || f.Identity.Serial != "C02ABC123DEF" || *f.Security.DiskEncryption != true {
		t.Fatalf("detail: %+v", f)
	}
	// Without fileVault2Status the boot partition decides: still
	// encrypting is not encrypted.
	c.OperatingSystem.FileVault2Status = ""
	if f := FromJamf(c, now); *f.Security.DiskEncryption != false {
		t.Fatalf("an encrypting boot partition read as encrypted")
	}
	c.DiskEncryption = nil
	c.Security.SIPStatus, c.Security.GatekeeperStatus, c.Security.SecureBootLevel = "NOT_COLLECTED", "DISABLED", "NO_SECURITY"
	f = FromJamf(c, now)
	if s := f.Security; s.DiskEncryption != nil || s.SIP != nil || *s.Gatekeeper || *s.SecureBoot {
		t.Fatalf("security %+v", s)
	}
	valid(t, f)
}

func TestParseErrors(t *testing.T) {
	for _, b := range []string{`{`, `[]`, `{"value": 3}`, `{"value": [3]}`, `{"@odata.context": "x"}`} {
		if _, _, _, err := ParseIntunePage([]byte(b)); err == nil {
			t.Errorf("intune %s: no error", b)
		}
	}
	for _, b := range []string{`{`, `{"results": [{}]}`, `{"totalCount": 1, "results": {}}`, `{"name": "x"}`} {
		if _, _, err := ParseJamfPage([]byte(b)); err == nil {
			t.Errorf("jamf %s: no error", b)
		}
	}
}

func TestReadFiles(t *testing.T) {
	fx := fixtures(t)
	dir := t.TempDir()
	// A device with $expand=detectedApps, a detectedApps page with
	// $expand=managedDevices naming it, and a page that is no JSON.
	os.WriteFile(filepath.Join(dir, "a.json"), []byte(`{"value": [{"id": "d2", "deviceName": "lt-2", "serialNumber": "S2",
  "lastSyncDateTime": "2026-11-20T10:00:00Z", "detectedApps": [{"displayName": "Firefox", "version": "133.0"}]}]}`), 0o644)
	os.WriteFile(filepath.Join(dir, "b.json"), []byte(`{"value": [{"@odata.type": "#microsoft.graph.detectedApp", "displayName": "7-Zip", "version": "24.08",
  "managedDevices": [{"id": "d2"}, {"id": "elsewhere"}]}]}`), 0o644)
	os.WriteFile(filepath.Join(dir, "c.json"), []byte(`{"value": [`), 0o644)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte(`not read`), 0o644)
	ds, failed, err := ReadFiles(Intune, []string{filepath.Join(fx, "intune/managedDevices.list.docs-example.json"), dir}, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 2 || len(failed) != 1 || !strings.HasSuffix(failed[0].Source, "c.json") {
		t.Fatalf("devices %+v, failed %+v", ds, failed)
	}
	if p := ds[1].Facts.Packages; len(p) != 2 || p[0].Name != "Firefox" || p[1].Name != "7-Zip" {
		t.Fatalf("packages %+v", p)
	}
	// The same Jamf computer from two pages is one device.
	list := filepath.Join(fx, "jamf/computers-inventory.list.sumologic-docs-example.json")
	ds, failed, err = ReadFiles(Jamf, []string{list, filepath.Join(fx, "jamf/computers-inventory-detail.get.sdk-mock.json")}, now)
	if err != nil || len(ds) != 1 || len(failed) != 0 || ds[0].Facts.Identity.Hostname != "Test-Mac-001" {
		t.Fatalf("devices %+v, failed %+v, %v", ds, failed, err)
	}
	if _, _, err := ReadFiles(Jamf, []string{filepath.Join(dir, "missing")}, now); err == nil {
		t.Fatal("a missing path: no error")
	}
}

// FuzzParsePages: any page either fails to parse or maps to facts with
// a collected_at that is RFC 3339, without a panic.
func FuzzParsePages(f *testing.F) {
	f.Add([]byte(`{"value": [{"id": "1", "deviceName": "x", "lastSyncDateTime": "2026-01-01T00:00:00Z"}]}`))
	f.Add([]byte(`{"totalCount": 1, "results": [{"id": "1", "general": {"name": "x"}}]}`))
	f.Add([]byte(`{"id": "1", "security": {"sipStatus": "ENABLED"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var out []*record.Facts
		if ds, _, _, err := ParseIntunePage(data); err == nil {
			for _, d := range ds {
				out = append(out, FromIntune(d, now))
			}
		}
		if cs, _, err := ParseJamfPage(data); err == nil {
			for _, c := range cs {
				out = append(out, FromJamf(c, now))
			}
		}
		for _, f := range out {
			if _, err := time.Parse(time.RFC3339, f.CollectedAt); err != nil {
				t.Fatalf("collected_at %q: %v", f.CollectedAt, err)
			}
		}
	})
}
