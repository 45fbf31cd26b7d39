package rules_test

import (
	"strings"
	"testing"

	"github.com/estate-dev/estate/internal/record"
)

func TestLayoutPath(t *testing.T) {
	for _, c := range []struct {
		l         record.LayoutSettings
		k         record.Kind
		class, id string
		want      string
	}{
		{record.LayoutSettings{}, record.KindAsset, "laptop", "LT-01234", "inventory/laptop/LT-01234.yaml"},
		{record.LayoutSettings{Prefix: 5}, record.KindAsset, "laptop", "LT-01234", "inventory/laptop/LT-01/LT-01234.yaml"},
		{record.LayoutSettings{Prefix: 5}, record.KindLicence, "", "MS365-E3", "inventory/licences/MS365/MS365-E3.yaml"},
		{record.LayoutSettings{Prefix: 5}, record.KindLocation, "", "HQ", "inventory/locations/HQ/HQ.yaml"},
		{record.LayoutSettings{Prefix: 5}, record.KindBaseline, "", "euc", ""},
		{record.LayoutSettings{Prefix: 5}, record.KindChangeRequest, "", "CR-2026-0001", ""},
	} {
		if got := c.l.Path(c.k, c.class, c.id); got != c.want {
			t.Errorf("%+v.Path(%s, %s, %s) = %q, want %q", c.l, c.k, c.class, c.id, got, c.want)
		}
	}
}

// The layout rule holds each inventory record to the folder the layout
// files it in, flat or prefixed, and says where it belongs.
func TestLayoutRuleFolders(t *testing.T) {
	monitor := func(id string) string {
		return "apiVersion: estate/v1\nkind: Asset\nid: " + id + "\nclass: monitor\nstatus: in-stock\nserial: S-" + id + "\n"
	}
	for _, c := range []struct {
		name     string
		settings string
		path     string
		want     string // the layout finding's message, "" for none
	}{
		{"flat, flat", "", "inventory/monitor/MN-77777.yaml", ""},
		{"flat, in a folder", "", "inventory/monitor/MN-77/MN-77777.yaml",
			"MN-77777 is in a sub-folder, but estate.yaml sets no layout: it belongs at inventory/monitor/MN-77777.yaml"},
		{"prefix, right folder", "layout: {prefix: 5}\n", "inventory/monitor/MN-77/MN-77777.yaml", ""},
		{"prefix, flat", "layout: {prefix: 5}\n", "inventory/monitor/MN-77777.yaml",
			"MN-77777 is filed in the wrong folder: the layout (estate.yaml layout.prefix 5) files it at inventory/monitor/MN-77/MN-77777.yaml"},
		{"prefix, wrong folder", "layout: {prefix: 5}\n", "inventory/monitor/MN-70/MN-77777.yaml",
			"MN-77777 is filed in the wrong folder: the layout (estate.yaml layout.prefix 5) files it at inventory/monitor/MN-77/MN-77777.yaml"},
	} {
		t.Run(c.name, func(t *testing.T) {
			files := map[string]string{}
			for p, d := range base {
				files[p] = d
			}
			files["estate.yaml"] += c.settings
			files[c.path] = monitor("MN-77777")
			got := []string{}
			for _, x := range check(t, files) {
				if strings.HasPrefix(x, c.path+" ") {
					got = append(got, x)
				}
			}
			want := []string{}
			if c.want != "" {
				want = append(want, f(c.path, "", "layout", c.want))
			}
			if len(got) != len(want) || len(got) == 1 && got[0] != want[0] {
				t.Errorf("layout findings %q, want %q", got, want)
			}
		})
	}
}
