package facts

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/estate-dev/estate/internal/record"
)

// readOne reads one device's folder of osqueryi --json tables.
func readOne(t *testing.T, tables map[string]string) (*record.Facts, []Failure) {
	t.Helper()
	dir := t.TempDir()
	write(t, dir, "system_info.json", osqSystemInfo)
	for name, rows := range tables {
		write(t, dir, name+".json", rows)
	}
	ds, fails, err := ReadOsquery([]string{dir}, OsqueryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 {
		t.Fatalf("devices %+v, failures %+v", ds, fails)
	}
	return ds[0].Facts, fails
}

// TestOsqueryFirewallAndScreenLock: macOS's alf and screenlock (with the
// screen saver's idle time from preferences), Linux's iptables, so that
// the reference baselines' firewall and screen-lock controls can be
// verified from osquery.
func TestOsqueryFirewallAndScreenLock(t *testing.T) {
	prefs := `[{"domain":"com.apple.screensaver","key":"idleTime","subkey":"","value":"300","forced":"0","username":"priya","host":"current"}]`
	for _, tc := range []struct {
		name     string
		tables   map[string]string
		firewall *bool
		lock     *int
		errWord  string
	}{
		{"alf on", map[string]string{"alf": `[{"allow_signed_enabled":"1","firewall_unload":"0","global_state":"1","logging_enabled":"1","logging_option":"0","stealth_enabled":"0","version":"1.6"}]`}, ptr(true), nil, ""},
		{"alf block all", map[string]string{"alf": `[{"global_state":"2"}]`}, ptr(true), nil, ""},
		{"alf off", map[string]string{"alf": `[{"global_state":"0"}]`}, ptr(false), nil, ""},
		{"iptables drop policy", map[string]string{"iptables": `[{"filter_name":"filter","chain":"INPUT","policy":"DROP","target":"","protocol":"0"},{"filter_name":"filter","chain":"OUTPUT","policy":"ACCEPT","target":""}]`}, ptr(true), nil, ""},
		{"iptables reject rule", map[string]string{"iptables": `[{"filter_name":"filter","chain":"INPUT","policy":"ACCEPT","target":"REJECT","protocol":"6","dst_port":"23"}]`}, ptr(true), nil, ""},
		{"iptables open", map[string]string{"iptables": `[{"filter_name":"filter","chain":"INPUT","policy":"ACCEPT","target":"ACCEPT"},{"filter_name":"nat","chain":"INPUT","policy":"DROP","target":""}]`}, ptr(false), nil, ""},
		{"screen lock with idle time", map[string]string{"screenlock": `[{"enabled":"1","grace_period":"5"}]`, "preferences": prefs}, nil, ptr(305), ""},
		{"screen lock off", map[string]string{"screenlock": `[{"enabled":"0","grace_period":"0"}]`}, nil, ptr(0), ""},
		{"no password on wake", map[string]string{"screenlock": `[{"enabled":"1","grace_period":"-1"}]`}, nil, ptr(0), ""},
		{"idle time unknown", map[string]string{"screenlock": `[{"enabled":"1","grace_period":"0"}]`}, nil, nil, "idleTime"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, fails := readOne(t, tc.tables)
			if len(fails) != 0 {
				t.Fatalf("failures %+v", fails)
			}
			var fw *bool
			var lock *int
			if f.Security != nil {
				fw, lock = f.Security.Firewall, f.Security.ScreenLockSeconds
			}
			if (fw == nil) != (tc.firewall == nil) || fw != nil && *fw != *tc.firewall {
				t.Errorf("firewall = %v, want %v", deref(fw), deref(tc.firewall))
			}
			if (lock == nil) != (tc.lock == nil) || lock != nil && *lock != *tc.lock {
				t.Errorf("screen_lock_seconds = %v, want %v", deref(lock), deref(tc.lock))
			}
			if tc.errWord != "" && !strings.Contains(strings.Join(f.Errors, "\n"), tc.errWord) {
				t.Errorf("errors %q, want one naming %s", f.Errors, tc.errWord)
			}
		})
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestOsqueryNewColumns: a column estate does not know (newer osquery
// adds them) does not make a table unreadable.
func TestOsqueryNewColumns(t *testing.T) {
	f, fails := readOne(t, map[string]string{
		"bitlocker_info": `[{"device_id":"\\\\?\\Volume{1}","drive_letter":"C:","persistent_volume_id":"","conversion_status":"1","protection_status":"1","encryption_method":"XTS_AES_128","version":"2","percentage_encrypted":"100","lock_status":"0","protector_types":"3,1"}]`,
	})
	if len(fails) != 0 || f.Security == nil || f.Security.DiskEncryption == nil || !*f.Security.DiskEncryption {
		t.Fatalf("bitlocker_info with protector_types: security %+v, failures %+v", f.Security, fails)
	}
}

// TestFleetHosts: Fleet's "List hosts" page ({"hosts": [...]}) is read,
// one device a host; a host whose details Fleet never received
// (detail_updated_at 0001-01-01) is not seen now but never: no facts.
func TestFleetHosts(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "hosts.json", `{"hosts":[
 {"hostname":"lt-00101.local","hardware_serial":"L4X9KQ7MWR","platform":"darwin","os_version":"macOS 14.5","detail_updated_at":"2026-11-22T09:00:00Z"},
 {"hostname":"new-host","hardware_serial":"","platform":"windows","os_version":"","detail_updated_at":"0001-01-01T00:00:00Z"}]}`)
	ds, fails, err := ReadOsquery([]string{p}, OsqueryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].Facts.Identity.Serial != "L4X9KQ7MWR" || ds[0].Facts.CollectedAt != "2026-11-22T09:00:00Z" {
		t.Fatalf("devices %+v", ds)
	}
	if len(fails) != 1 || !strings.Contains(fails[0].Reason, "never received") || !strings.Contains(fails[0].Source, "new-host") {
		t.Fatalf("failures %+v", fails)
	}
}

// TestFleetListHostsFixture: Fleet's documented "List hosts" response.
func TestFleetListHostsFixture(t *testing.T) {
	p := filepath.Join(fixtures(t), "fleet/api/hosts.list.docs-example.json")
	ds, fails, err := ReadOsquery([]string{p}, OsqueryOptions{})
	if err != nil || len(ds)+len(fails) != 1 {
		t.Fatalf("devices %+v, failures %+v, err %v", ds, fails, err)
	}
	if len(ds) == 1 && (ds[0].Facts.Identity.Hostname == "" || ds[0].Facts.OS == nil) {
		t.Errorf("facts = %+v", ds[0].Facts)
	}
}
