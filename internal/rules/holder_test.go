package rules_test

import (
	"strings"
	"testing"
)

// A deployed asset may be held by a person, by its location or by the
// asset it is attached to; each wrong form has its own finding, and the
// accountable owner follows the holder.
func TestHolders(t *testing.T) {
	const mn = "inventory/monitor/MN-00002.yaml"
	const mn3 = "inventory/monitor/MN-00003.yaml"
	for _, c := range []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"held by its location", map[string]string{mn: asset("MN-00002", "monitor", "deployed", "location: LON", "held_by: location")}, nil},
		{"attached to a desktop", map[string]string{mn: asset("MN-00002", "monitor", "deployed", "attached_to: LT-00001")}, nil},
		{"no holder", map[string]string{mn: asset("MN-00002", "monitor", "deployed")},
			[]string{f(mn, "status", "lifecycle", "a deployed asset needs a holder")}},
		{"two holders", map[string]string{mn: asset("MN-00002", "monitor", "deployed", "owner: a@example.org", "attached_to: LT-00001")},
			[]string{f(mn, "owner", "holder", "an asset has one holder: owner, held_by: location and attached_to exclude one another")}},
		{"held by no location", map[string]string{mn: asset("MN-00002", "monitor", "deployed", "held_by: location")},
			[]string{f(mn, "held_by", "holder", "held_by: location needs the asset's location")}},
		{"attached to nothing", map[string]string{mn: asset("MN-00002", "monitor", "deployed", "attached_to: DT-00401")},
			[]string{f(mn, "attached_to", "reference", `asset "DT-00401" does not exist`)}},
		{"attached to itself", map[string]string{mn: asset("MN-00002", "monitor", "deployed", "attached_to: MN-00002")},
			[]string{f(mn, "attached_to", "holder", "an asset cannot be attached to itself")}},
		{"a cycle", map[string]string{
			mn:  asset("MN-00002", "monitor", "deployed", "attached_to: MN-00003"),
			mn3: asset("MN-00003", "monitor", "deployed", "attached_to: MN-00002")},
			[]string{f(mn, "attached_to", "holder", "attached_to makes a cycle through MN-00002"),
				f(mn3, "attached_to", "holder", "attached_to makes a cycle through MN-00003")}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := check(t, c.files)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got:\n %s\nwant:\n %s", strings.Join(got, "\n "), strings.Join(c.want, "\n "))
			}
		})
	}
}

func TestAccountable(t *testing.T) {
	e := estate(t, map[string]string{
		"inventory/locations/LON.yaml":    "apiVersion: estate/v1\nkind: Location\nid: LON\nname: London office\ntype: site\ncontact: facilities@example.org\n",
		"inventory/monitor/MN-00002.yaml": asset("MN-00002", "monitor", "deployed", "attached_to: LT-00001"),
		"inventory/monitor/MN-00003.yaml": asset("MN-00003", "monitor", "deployed", "location: LON", "held_by: location"),
		"inventory/monitor/MN-00004.yaml": asset("MN-00004", "monitor", "deployed", "attached_to: MN-00003"),
	})
	for id, want := range map[string]string{"LT-00001": "jane.doe@example.org", "MN-00002": "jane.doe@example.org",
		"MN-00003": "facilities@example.org", "MN-00004": "facilities@example.org", "MN-00001": ""} {
		if got := e.Accountable(e.Assets[id]); got != want {
			t.Errorf("Accountable(%s) = %q, want %q", id, got, want)
		}
	}
}

// Once people exist, an owner must be one; a person's manager and
// location resolve.
func TestPeople(t *testing.T) {
	const jane = "inventory/people/jane.doe@example.org.yaml"
	const bob = "inventory/people/bob@example.org.yaml"
	person := func(id string, extra ...string) string {
		return "apiVersion: estate/v1\nkind: Person\nid: " + id + "\nname: N\nstatus: active\n" + strings.Join(extra, "\n") + "\n"
	}
	for _, c := range []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"known owner", map[string]string{jane: person("jane.doe@example.org", "location: LON")}, nil},
		{"unknown owner", map[string]string{bob: person("bob@example.org")},
			[]string{f("inventory/laptop/LT-00001.yaml", "owner", "person", `owner "jane.doe@example.org" is not a person of the estate`)}},
		{"no manager", map[string]string{jane: person("jane.doe@example.org", "manager: boss@example.org")},
			[]string{f(jane, "manager", "reference", `person "boss@example.org" does not exist`)}},
		{"no location", map[string]string{jane: person("jane.doe@example.org", "location: PAR")},
			[]string{f(jane, "location", "reference", `location "PAR" does not exist`)}},
		{"left but active", map[string]string{jane: person("jane.doe@example.org", "left: 2026-01-31")},
			[]string{f(jane, "left", "person", "jane.doe@example.org has a left date but is active")}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := check(t, c.files)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got:\n %s\nwant:\n %s", strings.Join(got, "\n "), strings.Join(c.want, "\n "))
			}
		})
	}
}
