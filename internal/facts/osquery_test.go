package facts

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Tables as `osqueryi --json "select * from TABLE"` prints them: an array,
// one object a line, every value a string.
const (
	osqSystemInfo = `[
  {"board_model":"Mac14,9","board_serial":"","board_vendor":"Apple Inc.","board_version":"","computer_name":"Priya's MacBook Pro","cpu_brand":"Apple M3 Pro","cpu_logical_cores":"12","cpu_microcode":"","cpu_physical_cores":"12","cpu_sockets":"","cpu_subtype":"ARM64E","cpu_type":"arm64e","emulated_cpu_type":"","hardware_model":"Mac15,6 ","hardware_serial":"L4X9KQ7MWR","hardware_vendor":"Apple Inc. ","hardware_version":"","hostname":"lt-00101.local","local_hostname":"lt-00101","physical_memory":"38654705664","uuid":"6A2B3C4D-1111-2222-3333-444455556666"}
]`
	osqOSVersion = `[
  {"arch":"arm64","build":"23G93","codename":"","extra":"","install_date":"","major":"14","minor":"6","mount_namespace_id":"","name":"macOS","patch":"1","pid_with_namespace":"","platform":"darwin","platform_like":"darwin","revision":"","version":"14.6.1"}
]`
	osqApps = `[
  {"applescript_enabled":"1","bundle_executable":"Google Chrome","bundle_identifier":"com.google.Chrome","bundle_name":"Chrome","bundle_package_type":"APPL","bundle_short_version":"131.0.6778.86","bundle_version":"6778.86","category":"public.app-category.productivity","compiler":"com.apple.compilers.llvm.clang.1_0","copyright":"","development_region":"en","display_name":"Google Chrome","element":"","environment":"","info_string":"","last_opened_time":"1732096000.0","minimum_system_version":"10.15","name":"Google Chrome.app","path":"/Applications/Google Chrome.app"},
  {"applescript_enabled":"0","bundle_executable":"Falcon","bundle_identifier":"com.crowdstrike.falcon.App","bundle_name":"Falcon","bundle_package_type":"APPL","bundle_short_version":"7.19","bundle_version":"7.19.18910.0","category":"","compiler":"","copyright":"","development_region":"en","display_name":"Falcon","element":"","environment":"","info_string":"","last_opened_time":"-1.0","minimum_system_version":"11.0","name":"Falcon.app","path":"/Applications/Falcon.app"}
]`
	osqDiskEncryption = `[
  {"encrypted":"1","encryption_status":"encrypted","filevault_status":"on","name":"/dev/disk3s5","type":"APFS Encryption","uid":"","user_uuid":"","uuid":"8F4C1F0A-0000-4000-8000-000000000001"}
]`
	osqLoggedIn = `[
  {"host":"","pid":"412","registry_hive":"","sid":"","time":"1732180000","tty":"console","type":"user","user":"priya.shah"}
]`
)

func TestReadOsqueryTables(t *testing.T) {
	dir := t.TempDir()
	dev := filepath.Join(dir, "lt-00101")
	write(t, dev, "system_info.json", osqSystemInfo)
	write(t, dev, "os_version.json", osqOSVersion)
	write(t, dev, "apps.json", osqApps)
	write(t, dev, "disk_encryption.json", osqDiskEncryption)
	write(t, dev, "logged_in_users.json", osqLoggedIn)
	ds, fails, err := ReadOsquery([]string{dev}, OsqueryOptions{Now: time.Now()})
	if err != nil || len(fails) > 0 || len(ds) != 1 {
		t.Fatalf("devices %d, failures %v, err %v", len(ds), fails, err)
	}
	f := ds[0].Facts
	if f.Identity.Serial != "L4X9KQ7MWR" || f.Identity.Manufacturer != "Apple Inc." || f.Identity.Model != "Mac15,6" || f.Identity.Hostname != "lt-00101.local" {
		t.Errorf("identity = %+v", f.Identity)
	}
	if f.OS.Family != "macos" || f.OS.Version != "14.6.1" || f.OS.Build != "23G93" {
		t.Errorf("os = %+v", f.OS)
	}
	if len(f.Packages) != 2 || f.Packages[1].Name != "Google Chrome" || f.Packages[1].Version != "131.0.6778.86" {
		t.Errorf("packages = %+v", f.Packages)
	}
	if f.Security == nil || !*f.Security.DiskEncryption {
		t.Errorf("security = %+v", f.Security)
	}
	if len(f.Users) != 1 || f.Users[0].Name != "priya.shah" || !f.Users[0].LoggedIn {
		t.Errorf("users = %+v", f.Users)
	}
}

func TestReadOsqueryBadInput(t *testing.T) {
	dir := t.TempDir()
	// The routes example from osquery's docs, saved as if it were system_info.
	routes := `[
  {"destination":"::1","flags":"2098181","gateway":"::1","interface":"","metric":"0","mtu":"16384","netmask":"128","source":"","type":"local"}
]`
	wrong := write(t, dir, "a/system_info.json", routes)
	write(t, dir, "a/os_version.json", osqOSVersion)
	two := strings.Replace(osqSystemInfo, "\n]", ",\n"+strings.Replace(strings.Split(osqSystemInfo, "\n")[1], "L4X9KQ7MWR", "C02ZZZ", 1)+"\n]", 1)
	write(t, dir, "b/system_info.json", two)
	write(t, dir, "c/system_info.json", `[{"hostname": {"nested": true}}]`)
	write(t, dir, "d/unknown.json", routes)
	write(t, dir, "e/system_info.json", `[{"hostname":"x"`)
	good := filepath.Join(dir, "f")
	write(t, good, "system_info.json", osqSystemInfo)
	ds, fails, err := ReadOsquery([]string{filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "c"),
		filepath.Join(dir, "d"), filepath.Join(dir, "e"), good}, OsqueryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].Source != good {
		t.Errorf("want only %s collected, got %+v", good, ds)
	}
	reasons := map[string]string{}
	for _, f := range fails {
		reasons[f.Source] = f.Reason
	}
	for src, want := range map[string]string{
		wrong:                                    "holds rows of another table (columns destination, flags, gateway",
		filepath.Join(dir, "a"):                  "neither a serial nor a hostname",
		filepath.Join(dir, "b"):                  `system_info has two serials ("L4X9KQ7MWR" and "C02ZZZ")`,
		filepath.Join(dir, "c/system_info.json"): `column "hostname" is not a scalar value`,
		filepath.Join(dir, "d/unknown.json"):     "are of no osquery table estate reads",
		filepath.Join(dir, "e/system_info.json"): "not osqueryi --json output",
	} {
		if !strings.Contains(reasons[src], want) {
			t.Errorf("%s: reason %q, want it to say %q", src, reasons[src], want)
		}
	}
}

func TestReadOsqueryResultLog(t *testing.T) {
	dir := t.TempDir()
	log := `{"name":"pack_estate_system_info","hostIdentifier":"lt-00102","calendarTime":"Fri Nov 22 09:00:00 2026 UTC","unixTime":"1795338000","epoch":"0","counter":"0","numerics":false,"action":"snapshot","snapshot":[{"hostname":"lt-00102","hardware_serial":"K7Q2M9XW4D","hardware_vendor":"Apple Inc.","hardware_model":"Mac14,2","uuid":"X"}]}
{"name":"pack_estate_os_version","hostIdentifier":"lt-00102","unixTime":"1795338000","action":"snapshot","snapshot":[{"name":"macOS","version":"13.6.7","build":"22G720","platform":"darwin","platform_like":"darwin","arch":"arm64"}]}
{"name":"apps","hostIdentifier":"lt-00102","unixTime":"1795338060","action":"added","columns":{"name":"uTorrent.app","bundle_short_version":"3.6"}}
{"name":"apps","hostIdentifier":"lt-00102","unixTime":"1795338060","action":"added","columns":{"name":"Slack.app","bundle_short_version":"4.41"}}
{"name":"apps","hostIdentifier":"lt-00102","unixTime":"1795338120","action":"removed","columns":{"name":"Slack.app","bundle_short_version":"4.41"}}
{"name":"processes","hostIdentifier":"lt-00102","unixTime":"1795338000","diffResults":{"added":[{"name":"osqueryd","path":"/opt/osquery/bin/osqueryd","pid":"97830"}],"removed":[]}}
`
	p := write(t, dir, "osqueryd.results.log", log)
	ds, fails, err := ReadOsquery([]string{p}, OsqueryOptions{})
	if err != nil || len(ds) != 1 {
		t.Fatalf("devices %+v, err %v", ds, err)
	}
	f := ds[0].Facts
	if f.Identity.Serial != "K7Q2M9XW4D" || f.OS.Version != "13.6.7" || f.CollectedAt != "2026-11-22T09:02:00Z" {
		t.Errorf("facts = %+v %+v %s", f.Identity, f.OS, f.CollectedAt)
	}
	if len(f.Packages) != 1 || f.Packages[0].Name != "uTorrent" {
		t.Errorf("packages = %+v", f.Packages)
	}
	// The processes query is of no table estate reads: counted, and no
	// failure (a results log carries every query of a pack).
	if len(fails) != 0 {
		t.Errorf("failures = %+v", fails)
	}
	unread := map[string]int{}
	if _, fails, _ := ReadOsquery([]string{p}, OsqueryOptions{Unread: unread}); len(fails) != 0 || unread["processes"] != 1 || len(unread) != 1 {
		t.Errorf("unread = %v, failures %+v", unread, fails)
	}
}

// The documented osquery and Fleet samples in ../shared/fixtures.
func TestReadOsqueryFixtures(t *testing.T) {
	fx := fixtures(t)
	// osqueryi --json routes: a table estate does not read, said clearly.
	_, fails, err := ReadOsquery([]string{filepath.Join(fx, "osquery/samples/osqueryi-json-routes.docs-example.json")}, OsqueryOptions{})
	if err != nil || len(fails) != 1 || !strings.Contains(fails[0].Reason, "destination") {
		t.Errorf("routes: %+v %v", fails, err)
	}
	// Results logs of processes: queries estate does not read, counted
	// by name; no device and no failure comes of them.
	for _, name := range []string{"results-log.snapshot.docs-example.json", "results-log.batch.docs-example.json", "results-log.event-added.docs-example.json"} {
		unread := map[string]int{}
		ds, fails, err := ReadOsquery([]string{filepath.Join(fx, "osquery/samples", name)}, OsqueryOptions{Unread: unread})
		if err != nil || len(ds) != 0 || len(fails) != 0 || len(unread) != 1 {
			t.Errorf("%s: devices %d, failures %+v, unread %v, err %v", name, len(ds), fails, unread, err)
		}
	}
	// A Fleet host from the REST API documentation.
	ds, fails, err := ReadOsquery([]string{filepath.Join(fx, "fleet/api/host.get.docs-example.json")}, OsqueryOptions{})
	if err != nil || len(ds) != 1 || len(fails) != 0 {
		t.Fatalf("fleet host: %+v %+v %v", ds, fails, err)
	}
	f := ds[0].Facts
	if f.Identity.Hostname != "23cfc9caacf0" || len(f.Packages) != 3 || f.Packages[1].Source != "rpm" || f.CollectedAt != "2021-08-19T21:07:53Z" {
		t.Errorf("fleet host facts = %+v", f)
	}
}

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

func FuzzOsqueryRows(f *testing.F) {
	f.Add([]byte(osqSystemInfo), "system_info")
	f.Add([]byte(osqApps), "unknown")
	f.Add([]byte(`[{"a":{"b":1}}]`), "users")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		rows, err := decodeRows(data)
		if err != nil {
			return
		}
		if table, err := tableOf(name, rows); err == nil {
			f := New("osquery", "", "2026-11-23T12:00:00Z")
			fromTables(map[string][]row{table: rows}, f)
		}
	})
}

// A results log larger than a facts file is streamed, not refused; a
// table output that large is refused with its size.
func TestReadOsqueryLargeLog(t *testing.T) {
	dir := t.TempDir()
	line := `{"name":"pack_estate_system_info","hostIdentifier":"lt-9","unixTime":"1795338000","action":"snapshot","snapshot":[{"hostname":"lt-9","hardware_serial":"SER9"}]}` + "\n"
	log := strings.Repeat(line, 200) // ~30 kB
	p := write(t, dir, "results.log", log)
	ds, fails, err := ReadOsquery([]string{p}, OsqueryOptions{MaxBytes: 4096})
	if err != nil || len(fails) != 0 || len(ds) != 1 || ds[0].Facts.Identity.Serial != "SER9" {
		t.Errorf("devices %+v, failures %+v, err %v", ds, fails, err)
	}
	big := write(t, dir, "x/system_info.json", "["+strings.Repeat(`{"hostname":"x"},`, 400)+`{"hostname":"x"}]`)
	_, fails, _ = ReadOsquery([]string{big}, OsqueryOptions{MaxBytes: 4096})
	if len(fails) != 1 || !strings.Contains(fails[0].Reason, "over the 4.0 kB limit") {
		t.Errorf("failures %+v", fails)
	}
}

// A folder of device folders is many devices; an empty folder is an error,
// not a silent nothing.
func TestReadOsqueryNestedFolders(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "lt-1/system_info.json", osqSystemInfo)
	write(t, dir, "lt-2/system_info.json", strings.ReplaceAll(osqSystemInfo, "L4X9KQ7MWR", "OTHER2"))
	ds, fails, err := ReadOsquery([]string{dir}, OsqueryOptions{})
	if err != nil || len(fails) != 0 || len(ds) != 2 {
		t.Errorf("devices %d, failures %+v, err %v", len(ds), fails, err)
	}
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o755)
	if _, _, err := ReadOsquery([]string{empty}, OsqueryOptions{}); err == nil || !strings.Contains(err.Error(), "holds no .json or .log file") {
		t.Errorf("empty folder: %v", err)
	}
}
