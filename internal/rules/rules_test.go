package rules_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/rules"
)

// base is a clean estate: no rule finds anything in it.
var base = map[string]string{
	"estate.yaml":                  "apiVersion: estate/v1\nkind: Settings\nmanaged_classes: [laptop]\n",
	"inventory/locations/LON.yaml": "apiVersion: estate/v1\nkind: Location\nid: LON\nname: London office\ntype: site\n",
	"policies/baselines/euc-common.yaml": `apiVersion: estate/v1
kind: Baseline
name: euc-common
version: "1.0.0"
controls:
  - {id: EUC-001, title: Disk is encrypted, severity: critical, check: {fact: security.disk_encryption, equals: true}}
`,
	"policies/baselines/euc-macos.yaml": `apiVersion: estate/v1
kind: Baseline
name: euc-macos
version: "1.0.0"
extends: euc-common
applies_to: {classes: [laptop], os: macos}
controls:
  - {id: MAC-SW-010, title: Chrome is current, severity: medium, check: {package: Google Chrome, version: ">= 131"}}
`,
	"policies/change-control.yaml": `apiVersion: estate/v1
kind: ChangePolicy
standard_changes:
  - {id: STD-001, title: Reassign a device, fields: [owner, location]}
`,
	"changes/CR-2026-0001.yaml":     "apiVersion: estate/v1\nkind: ChangeRequest\nid: CR-2026-0001\ntitle: Exempt\ntype: normal\nreason: r\nrisk: low\n",
	"inventory/licences/MS365.yaml": "apiVersion: estate/v1\nkind: Licence\nid: MS365\nproduct: Microsoft 365\nseats: 10\n",
	"inventory/laptop/LT-00001.yaml": `apiVersion: estate/v1
kind: Asset
id: LT-00001
class: laptop
status: deployed
serial: C02XK1ABJG5H
hostname: lt-00001
os: macos
owner: jane.doe@example.org
location: LON
baseline: euc-macos
licences: [MS365]
exemptions:
  - {control: EUC-001, reason: appliance, change: CR-2026-0001, expires: 2026-11-23}
`,
	"inventory/monitor/MN-00001.yaml": "apiVersion: estate/v1\nkind: Asset\nid: MN-00001\nclass: monitor\nstatus: in-stock\nserial: CN0J0K5K\nlocation: LON\n",
}

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// decode makes a record from a file as the loader does.
func decode(t *testing.T, path, data string) *record.Record {
	t.Helper()
	root, fs := load.Parse(path, []byte(data))
	if fs != nil {
		t.Fatalf("%s: %v", path, fs)
	}
	value, fs := load.Value(path, root, load.DefaultLimits)
	if fs != nil {
		t.Fatalf("%s: %v", path, fs)
	}
	kind := record.Kind(value.(map[string]any)["kind"].(string))
	typed := record.NewTyped(kind)
	load.Decode(value, typed)
	r := &record.Record{Kind: kind, Path: path}
	if err := r.Set(typed); err != nil {
		t.Fatal(err)
	}
	return r
}

// estate builds base with files added (or, with an empty text, removed).
func estate(t *testing.T, files map[string]string) *record.Estate {
	t.Helper()
	all := map[string]string{}
	for p, d := range base {
		all[p] = d
	}
	for p, d := range files {
		if d == "" {
			delete(all, p)
			continue
		}
		all[p] = d
	}
	var recs []*record.Record
	for p, d := range all {
		recs = append(recs, decode(t, p, d))
	}
	return record.NewEstate(recs)
}

// f is a rule finding as the tests compare it: file, field, rule, severity
// and message.
func f(file, field, rule, msg string) string {
	return fmt.Sprintf("%s %s [%s] %s", file, field, rule, msg)
}

func check(t *testing.T, files map[string]string) []string {
	t.Helper()
	out := []string{}
	for _, x := range rules.Check(estate(t, files), rules.Env{Now: now}) {
		if x.Pos.File == "" || x.Pos.Line != 0 || x.Message == "" {
			t.Errorf("finding %+v: want a file and no line (the caller places it)", x)
		}
		out = append(out, f(x.Pos.File, x.Field, x.Rule, x.Message))
	}
	sort.Strings(out)
	return out
}

func asset(id, class, status string, extra ...string) string {
	return "apiVersion: estate/v1\nkind: Asset\nid: " + id + "\nclass: " + class + "\nstatus: " + status + "\n" + strings.Join(extra, "\n") + "\n"
}

func TestCleanEstate(t *testing.T) {
	if got := check(t, nil); len(got) != 0 {
		t.Errorf("findings in the clean estate:\n%s", strings.Join(got, "\n"))
	}
}

func TestRules(t *testing.T) {
	const lt2 = "inventory/laptop/LT-00002.yaml"
	for _, c := range []struct {
		name  string
		files map[string]string
		want  []string
	}{
		// layout
		{"an asset in the licence folder", map[string]string{"inventory/licences/LT-00002.yaml": asset("LT-00002", "laptop", "in-stock")},
			[]string{f("inventory/licences/LT-00002.yaml", "kind", "layout", "an Asset record does not belong here: this folder holds Licence records")}},
		{"a licence in an asset folder", map[string]string{"inventory/laptop/MS2.yaml": "apiVersion: estate/v1\nkind: Licence\nid: MS2\nproduct: x\nseats: 1\n"},
			[]string{f("inventory/laptop/MS2.yaml", "kind", "layout", "a Licence record does not belong here: this folder holds Asset records")}},
		{"a location among the changes", map[string]string{"changes/MAN.yaml": "apiVersion: estate/v1\nkind: Location\nid: MAN\nname: M\ntype: site\n"},
			[]string{f("changes/MAN.yaml", "kind", "layout", "a Location record does not belong here: this folder holds ChangeRequest records")}},
		{"an asset of another class", map[string]string{lt2: asset("LT-00002", "other", "in-stock")},
			[]string{f(lt2, "class", "layout", "an other is filed under inventory/laptop/")}},
		{"a monitor among the laptops", map[string]string{"inventory/laptop/MN-00002.yaml": asset("MN-00002", "monitor", "in-stock")},
			[]string{f("inventory/laptop/MN-00002.yaml", "class", "layout", "a monitor is filed under inventory/laptop/")}},
		{"file name is not the id", map[string]string{lt2: asset("LT-00003", "laptop", "in-stock")},
			[]string{f(lt2, "id", "file-name", `id "LT-00003" is in a file named "LT-00002.yaml"; the file name must be the id`)}},
		{"file name is not the baseline's name", map[string]string{"policies/baselines/euc-win.yaml": "apiVersion: estate/v1\nkind: Baseline\nname: euc-windows\nversion: 1.0.0\ncontrols: []\n"},
			[]string{f("policies/baselines/euc-win.yaml", "name", "file-name", `name "euc-windows" is in a file named "euc-win.yaml"; the file name must be the name`)}},
		// The schema reports an id that is a path; the rules do not suggest
		// renaming the file to it.
		{"an id that is a path", map[string]string{lt2: asset("../../etc/passwd", "laptop", "in-stock")}, []string{}},
		{"an id with a backslash", map[string]string{lt2: asset(`..\..\x`, "laptop", "in-stock")}, []string{}},

		// unique
		{"an id used in two classes", map[string]string{"inventory/monitor/LT-00001.yaml": asset("LT-00001", "monitor", "in-stock")},
			[]string{f("inventory/monitor/LT-00001.yaml", "id", "unique-id", `Asset id "LT-00001" is also used by inventory/laptop/LT-00001.yaml`)}},
		{"two ids that differ only in case", map[string]string{"inventory/monitor/lt-00001.yaml": asset("lt-00001", "monitor", "in-stock")},
			[]string{f("inventory/monitor/lt-00001.yaml", "id", "unique-id", `Asset id "lt-00001" differs only in case from "LT-00001" (inventory/laptop/LT-00001.yaml)`)}},
		{"a location id in another case", map[string]string{"inventory/locations/lon.yaml": "apiVersion: estate/v1\nkind: Location\nid: lon\nname: x\ntype: site\n"},
			[]string{f("inventory/locations/lon.yaml", "id", "unique-id", `Location id "lon" differs only in case from "LON" (inventory/locations/LON.yaml)`)}},
		{"the same id for two kinds is fine", map[string]string{"inventory/locations/LT-00001.yaml": "apiVersion: estate/v1\nkind: Location\nid: LT-00001\nname: x\ntype: site\n"}, []string{}},
		{"a serial twice, in another case", map[string]string{lt2: asset("LT-00002", "laptop", "in-stock", "serial: c02xk1abjg5h")},
			[]string{f(lt2, "serial", "unique-serial", `serial "c02xk1abjg5h" is also the serial of LT-00001 (inventory/laptop/LT-00001.yaml)`)}},
		{"a hostname twice", map[string]string{lt2: asset("LT-00002", "laptop", "in-stock", "hostname: lt-00001")},
			[]string{f(lt2, "hostname", "unique-hostname", `hostname "lt-00001" is also the hostname of LT-00001 (inventory/laptop/LT-00001.yaml)`)}},
		{"a disposed device's hostname may be reused", map[string]string{"inventory/laptop/LT-00000.yaml": asset("LT-00000", "laptop", "disposed",
			"hostname: lt-00001", "disposal: {date: 2026-01-02, method: recycled}")}, []string{}},

		// references
		{"references that do not resolve", map[string]string{lt2: asset("LT-00002", "laptop", "in-stock", "location: MAN", "baseline: euc-linux",
			"licences: [MS365, ADOBE]", "exemptions:", "  - {control: X-1, reason: r, change: CR-2026-0099, expires: 2027-01-01}")},
			[]string{
				f(lt2, "baseline", "reference", `baseline "euc-linux" does not exist`),
				f(lt2, "exemptions.0.change", "reference", `change request "CR-2026-0099" does not exist`),
				f(lt2, "licences.1", "reference", `licence "ADOBE" does not exist`),
				f(lt2, "location", "reference", `location "MAN" does not exist`),
			}},
		{"an exemption from a control the baseline lacks", map[string]string{lt2: asset("LT-00002", "laptop", "in-stock", "baseline: euc-macos", "os: macos",
			"exemptions:", "  - {control: EUC-001, reason: inherited, change: CR-2026-0001, expires: 2027-01-01}",
			"  - {control: WIN-001, reason: r, change: CR-2026-0001, expires: 2027-01-01}")},
			[]string{f(lt2, "exemptions.1.control", "reference", `control "WIN-001" is not in baseline euc-macos`)}},
		{"a location's parent", map[string]string{"inventory/locations/LON-3.yaml": "apiVersion: estate/v1\nkind: Location\nid: LON-3\nname: Floor 3\ntype: room\nparent: LON-HQ\n"},
			[]string{f("inventory/locations/LON-3.yaml", "parent", "reference", `location "LON-HQ" does not exist`)}},
		{"a baseline extends one that does not exist", map[string]string{"policies/baselines/euc-macos.yaml": strings.Replace(base["policies/baselines/euc-macos.yaml"], "extends: euc-common", "extends: euc-base", 1)},
			[]string{f("policies/baselines/euc-macos.yaml", "extends", "reference", `baseline "euc-base" does not exist`)}},
		{"a standard change", map[string]string{
			"changes/CR-2026-0002.yaml": "apiVersion: estate/v1\nkind: ChangeRequest\nid: CR-2026-0002\ntitle: t\ntype: standard\ntemplate: STD-404\nreason: r\nrisk: low\n",
			"changes/CR-2026-0003.yaml": "apiVersion: estate/v1\nkind: ChangeRequest\nid: CR-2026-0003\ntitle: t\ntype: standard\nreason: r\nrisk: low\n",
			"changes/CR-2026-0004.yaml": "apiVersion: estate/v1\nkind: ChangeRequest\nid: CR-2026-0004\ntitle: t\ntype: standard\ntemplate: STD-001\nreason: r\nrisk: low\n",
		}, []string{
			f("changes/CR-2026-0002.yaml", "template", "reference", `standard change "STD-404" is not in the catalogue of policies/change-control.yaml`),
			f("changes/CR-2026-0003.yaml", "type", "reference", "a standard change must name the catalogue entry it follows (template)"),
		}},

		// baselines
		{"a cycle", map[string]string{"policies/baselines/euc-common.yaml": strings.Replace(base["policies/baselines/euc-common.yaml"], "controls:", "extends: euc-macos\ncontrols:", 1)},
			[]string{
				f("policies/baselines/euc-common.yaml", "extends", "baseline-extends", "baselines extend each other in a cycle: euc-common → euc-macos → euc-common"),
				f("policies/baselines/euc-macos.yaml", "extends", "baseline-extends", "baselines extend each other in a cycle: euc-macos → euc-common → euc-macos"),
			}},
		{"bad controls", map[string]string{"policies/baselines/euc-linux.yaml": `apiVersion: estate/v1
kind: Baseline
name: euc-linux
version: 1.0.0
controls:
  - {id: LNX-1, title: a, severity: low, check: {fact: os.version, version: ">= x.y"}}
  - {id: LNX-1, title: b, severity: low, check: {fact: os.name, package: bash, equals: x}}
  - {id: LNX-3, title: c, severity: low, check: {fact: os.name}}
  - {id: LNX-4, title: d, severity: low, check: {fact: collected_at, max_age: 7d}}
  - {id: LNX-5, title: e, severity: low, check: {fact: os.name, matches: "("}}
  - {id: LNX-6, title: f, severity: low, check: {package: bash, present: true, absent: true}}
  - {id: LNX-7, title: g, severity: low, check: {fact: os.name, absent: true}}
  - {id: LNX-8, title: h, severity: low, check: {fact: security.screen_lock_seconds, min: 600, max: 300}}
  - {id: LNX-9, title: i, severity: low, check: {fact: os.name, matches: "(?<name>x)"}}
  - {id: LNX-10, title: j, severity: low, check: {fact: os.name, matches: "x++"}}
`}, []string{
			// What the schema says (one reading, one operator) is not
			// said again here: LNX-1 (second), LNX-3 and LNX-6.
			f("policies/baselines/euc-linux.yaml", "controls.0.check", "control", `control LNX-1: version constraint ">= x.y" does not parse: malformed constraint: >= x.y`),
			f("policies/baselines/euc-linux.yaml", "controls.1.id", "control", `control id "LNX-1" appears twice in the baseline`),
			f("policies/baselines/euc-linux.yaml", "controls.3.check", "control", `control LNX-4: max_age "7d" is not a duration`),
			f("policies/baselines/euc-linux.yaml", "controls.4.check", "control", "control LNX-5: matches \"(\" is not a regular expression (Go RE2 syntax): error parsing regexp: missing closing ): `(`"),
			f("policies/baselines/euc-linux.yaml", "controls.6.check", "control", "control LNX-7: present and absent apply to packages"),
			f("policies/baselines/euc-linux.yaml", "controls.7.check", "control", "control LNX-8: min 600 is above max 300: no value passes"),
			f("policies/baselines/euc-linux.yaml", "controls.9.check", "control", "control LNX-10: matches \"x++\" is not a regular expression (Go RE2 syntax): error parsing regexp: invalid nested repetition operator: `++`"),
		}},

		// lifecycle
		{"lifecycle", map[string]string{
			"inventory/laptop/LT-00002.yaml":  asset("LT-00002", "laptop", "deployed", "owner: a@example.org"),
			"inventory/laptop/LT-00003.yaml":  asset("LT-00003", "laptop", "loaned", "baseline: euc-macos", "os: windows"),
			"inventory/laptop/LT-00004.yaml":  asset("LT-00004", "laptop", "disposed"),
			"inventory/laptop/LT-00005.yaml":  asset("LT-00005", "laptop", "in-stock", "disposal: {date: 2026-01-02, method: recycled}"),
			"inventory/phone/PH-00001.yaml":   asset("PH-00001", "phone", "deployed", "owner: a@example.org", "baseline: euc-macos"),
			"inventory/monitor/MN-00002.yaml": asset("MN-00002", "monitor", "deployed", "owner: a@example.org"),
		}, []string{
			f("inventory/laptop/LT-00002.yaml", "status", "lifecycle", "a deployed laptop is managed and needs a baseline"),
			f("inventory/laptop/LT-00003.yaml", "baseline", "lifecycle", "baseline euc-macos is for macos, and this asset runs windows"),
			f("inventory/laptop/LT-00003.yaml", "status", "lifecycle", "a loaned asset needs a holder"),
			f("inventory/laptop/LT-00004.yaml", "status", "lifecycle", "a disposed asset needs a disposal record (date, method, certificate)"),
			f("inventory/laptop/LT-00005.yaml", "disposal:key", "lifecycle", "the asset has a disposal record but its status is in-stock"),
			f("inventory/phone/PH-00001.yaml", "baseline", "lifecycle", "baseline euc-macos applies to [laptop], not to a phone"),
		}},

		// expiry: the exemption in base expires today, which is still valid
		{"an exemption that expired yesterday", map[string]string{"inventory/laptop/LT-00001.yaml": strings.Replace(base["inventory/laptop/LT-00001.yaml"], "2026-11-23", "2026-11-22", 1)},
			[]string{f("inventory/laptop/LT-00001.yaml", "exemptions.0.expires", "expired-exemption", "the exemption from EUC-001 expired on 2026-11-22")}},

		// id patterns
		{"id patterns", map[string]string{
			"estate.yaml":                "apiVersion: estate/v1\nkind: Settings\nids: {asset: '^[A-Z]{2}-[0-9]{5}$', location: '^[A-Z]{3}$', change: '(', licence: '^[A-Z0-9]+$'}\n",
			lt2:                          asset("LT-00002", "laptop", "in-stock"),
			"inventory/laptop/LT-2.yaml": asset("LT-2", "laptop", "in-stock"),
		}, []string{
			f("estate.yaml", "ids", "id-pattern", "the ChangeRequest id pattern \"(\" is not a regular expression: error parsing regexp: missing closing ): `(`"),
			f("inventory/laptop/LT-2.yaml", "id", "id-pattern", "id \"LT-2\" does not follow this estate's pattern ^[A-Z]{2}-[0-9]{5}$"),
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := check(t, c.files)
			sort.Strings(c.want)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("findings:\n got:\n  %s\n want:\n  %s", strings.Join(got, "\n  "), strings.Join(c.want, "\n  "))
			}
		})
	}
}

// TestEffectiveControls: a baseline's own controls come first and
// override inherited ones of the same id; a cycle ends the walk.
func TestEffectiveControls(t *testing.T) {
	e := estate(t, map[string]string{"policies/baselines/euc-macos.yaml": base["policies/baselines/euc-macos.yaml"] +
		"  - {id: EUC-001, title: FileVault is on, severity: high, check: {fact: security.disk_encryption, equals: true}}\n"})
	var got []string
	for _, c := range rules.EffectiveControls(e, "euc-macos") {
		got = append(got, c.ID+" "+c.Title)
	}
	if want := []string{"MAC-SW-010 Chrome is current", "EUC-001 FileVault is on"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("EffectiveControls = %v, want %v", got, want)
	}
	cyc := estate(t, map[string]string{"policies/baselines/euc-common.yaml": strings.Replace(base["policies/baselines/euc-common.yaml"], "controls:", "extends: euc-macos\ncontrols:", 1)})
	if n := len(rules.EffectiveControls(cyc, "euc-macos")); n != 2 {
		t.Errorf("EffectiveControls over a cycle: %d controls, want 2", n)
	}
	if n := len(rules.EffectiveControls(cyc, "none")); n != 0 {
		t.Errorf("EffectiveControls of a missing baseline: %d controls", n)
	}
}
