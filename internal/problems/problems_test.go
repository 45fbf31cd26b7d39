package problems

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/ledger/ops"
	"github.com/estate-dev/estate/internal/record"
)

var when = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func asset(id, model, loc string) string {
	return fmt.Sprintf("apiVersion: estate/v1\nkind: Asset\nid: %s\nclass: laptop\nstatus: in-stock\nserial: S%s\nmodel: %q\nlocation: %s\n", id, id, model, loc)
}

func facts(id, model, version string) string {
	return fmt.Sprintf(`{"apiVersion": "estate/v1", "kind": "Facts", "collected_at": "2026-11-30T08:00:00Z", "collector": {"name": "ssh"},
"identity": {"serial": "S%s", "hostname": "%s", "model": %q}, "os": {"family": "macos", "version": %q}}`, id, strings.ToLower(id), model, version)
}

// estate writes an estate of six laptops (four MacBook Airs on macOS 14.2
// in London) into a git repository at HEAD, with facts/.
func estate(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"estate.yaml":                  "apiVersion: estate/v1\nkind: Settings\n",
		"inventory/locations/LON.yaml": "apiVersion: estate/v1\nkind: Location\nid: LON\nname: London\ntype: site\n",
		"inventory/locations/PAR.yaml": "apiVersion: estate/v1\nkind: Location\nid: PAR\nname: Paris\ntype: site\n",
		"inventory/laptop/LT-1.yaml":   asset("LT-1", "MacBook Air", "LON"),
		"inventory/laptop/LT-2.yaml":   asset("LT-2", "MacBook Air", "LON"),
		"inventory/laptop/LT-3.yaml":   asset("LT-3", "MacBook Air", "LON"),
		"inventory/laptop/LT-4.yaml":   asset("LT-4", "MacBook Air", "PAR"),
		"inventory/laptop/LT-5.yaml":   asset("LT-5", "ThinkPad", "PAR"),
		"inventory/laptop/LT-6.yaml":   asset("LT-6", "ThinkPad", "PAR"),
		"problems/PRB-2026-0007.yaml":  "apiVersion: estate/v1\nkind: Problem\nid: PRB-2026-0007\ntitle: Known\nstatus: known-error\nmatch: {control: firewall, location: LON}\n",
		"facts/lt-1.json":              facts("LT-1", "MacBookAir10,1", "14.2.1"),
		"facts/lt-2.json":              facts("LT-2", "MacBookAir10,1", "14.2"),
		"facts/lt-3.json":              facts("LT-3", "MacBookAir10,1", "14.2.1"),
		"facts/lt-4.json":              facts("LT-4", "MacBookAir10,1", "13.6"),
		"facts/lt-5.json":              facts("LT-5", "20XW", "14.2.1"),
	}
	blobs := map[string][]byte{}
	for p, s := range files {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		blobs[p] = []byte(s)
	}
	repo, err := gitrepo.Init(dir, "main")
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	c, err := repo.CommitFiles("", blobs, "estate\n", gitrepo.Signature{Name: "A", Email: "a@example.org", When: when})
	if err != nil {
		t.Fatal(err)
	}
	if err := repo.UpdateRef("refs/heads/main", c, ""); err != nil {
		t.Fatal(err)
	}
	return dir
}

func incident(kind ledger.Kind, day, issue int, records []string, controls ...string) *ledger.Entry {
	return &ledger.Entry{Kind: kind, Time: ledger.FormatTime(when.AddDate(0, 0, day)),
		Incident: &ledger.Incident{Issue: issue, Fingerprint: "device/" + records[0], Records: records, Controls: controls}}
}

// history is four audits: disk encryption fails on LT-1..LT-5, firewall
// on LT-1..LT-3 (a known error covers it); LT-5 is fixed and fails
// again, twice.
func history() []*ledger.Entry {
	var out []*ledger.Entry
	for i := 1; i <= 5; i++ {
		ctls := []string{"disk-encryption"}
		if i <= 3 {
			ctls = append(ctls, "firewall")
		}
		out = append(out, incident(ledger.KindIncidentOpened, 0, 10+i, []string{fmt.Sprintf("LT-%d", i)}, ctls...))
	}
	out = append(out,
		incident(ledger.KindIncidentClosed, 1, 15, []string{"LT-5"}),
		incident(ledger.KindIncidentReopened, 2, 15, []string{"LT-5"}, "disk-encryption", "audit/serial"),
		incident(ledger.KindIncidentClosed, 3, 15, []string{"LT-5"}),
		incident(ledger.KindIncidentReopened, 4, 15, []string{"LT-5"}, "disk-encryption"),
		// One per control: LT-6 closed and failing again.
		&ledger.Entry{Kind: ledger.KindIncidentOpened, Time: ledger.FormatTime(when), Incident: &ledger.Incident{Issue: 30,
			Fingerprint: "control/audit/control/edr", Records: []string{"LT-6"}, Controls: []string{"audit/control/edr"}}},
		&ledger.Entry{Kind: ledger.KindIncidentClosed, Time: ledger.FormatTime(when.AddDate(0, 0, 1)), Incident: &ledger.Incident{Issue: 30,
			Fingerprint: "control/audit/control/edr", Controls: []string{"audit/control/edr"}}},
		&ledger.Entry{Kind: ledger.KindIncidentReopened, Time: ledger.FormatTime(when.AddDate(0, 0, 2)), Incident: &ledger.Incident{Issue: 30,
			Fingerprint: "control/audit/control/edr", Records: []string{"LT-6"}, Controls: []string{"audit/control/edr"}, Repeat: 1}},
	)
	return out
}

func TestRunSuggestsAndWritesValidDrafts(t *testing.T) {
	dir := estate(t)
	ctx := context.Background()
	if _, err := ops.RecordIncidents(ctx, ops.IncidentOptions{Dir: dir, Now: func() time.Time { return when }}, history()); err != nil {
		t.Fatal(err)
	}
	dry, err := Run(ctx, Options{Dir: dir, DryRun: true, Now: func() time.Time { return when }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "problems", "PRB-2026-0008.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a dry run wrote: %v", err)
	}
	res, err := Run(ctx, Options{Dir: dir, Now: func() time.Time { return when }})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i, d := range res.Drafts {
		got = append(got, fmt.Sprintf("%s %s %s: %s %v", res.Paths[i], d.Pattern, d.By, d.Problem.Title, d.Problem.Incidents))
	}
	want := []string{
		"problems/PRB-2026-0008.yaml spread model: disk-encryption fails on 4 devices of model MacBookAir10,1 [11 12 13 14]",
		"problems/PRB-2026-0009.yaml spread os: disk-encryption fails on 4 devices of OS 14.2 [11 12 13 15]",
		"problems/PRB-2026-0010.yaml spread location: disk-encryption fails on 3 devices of location LON [11 12 13]",
		"problems/PRB-2026-0011.yaml spread model: firewall fails on 3 devices of model MacBookAir10,1 [11 12 13]",
		"problems/PRB-2026-0012.yaml spread os: firewall fails on 3 devices of OS 14.2 [11 12 13]",
		"problems/PRB-2026-0013.yaml repeat : disk-encryption fails again after a fix: LT-5 2 times [15]",
		"problems/PRB-2026-0014.yaml repeat : edr fails again after a fix: LT-6 once [30]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("drafts:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(dry.Drafts) != len(res.Drafts) || dry.Paths[0] != res.Paths[0] {
		t.Errorf("the dry run said %v", dry.Paths)
	}
	// The drafts are valid records, and the next run suggests nothing new.
	est, err := core.Open(ctx, core.Options{Dir: dir, Now: when})
	if err != nil {
		t.Fatal(err)
	}
	fs := est.Findings
	est.Close()
	if len(fs) != 0 {
		t.Fatalf("the drafts do not validate: %v", fs)
	}
	again, err := Run(ctx, Options{Dir: dir, Now: func() time.Time { return when }})
	if err != nil || len(again.Drafts) != 0 {
		t.Fatalf("second run: %v %+v", err, again)
	}
	data, err := os.ReadFile(filepath.Join(dir, "problems", "PRB-2026-0009.yaml"))
	if err != nil || !strings.Contains(string(data), "status: open\nmatch:\n  control: disk-encryption\n  os: \"14.2\"\n") {
		t.Errorf("%v\n%s", err, data)
	}
}

func TestRunWithoutIncidentsIsAnError(t *testing.T) {
	_, err := Run(context.Background(), Options{Dir: estate(t), Now: func() time.Time { return when }})
	if !errors.Is(err, core.ErrUsage) || !strings.Contains(err.Error(), "no incident entries") {
		t.Fatalf("%v", err)
	}
}

func TestMinDevices(t *testing.T) {
	e := record.NewEstate(nil)
	in := Input{Entries: history()[:5], Estate: e, Facts: map[string]*record.Facts{}, MinDevices: 6}
	for _, a := range []string{"LT-1", "LT-2", "LT-3", "LT-4", "LT-5"} {
		in.Facts[a] = &record.Facts{Identity: record.Identity{Model: "M"}}
	}
	if d := Suggest(in); len(d) != 0 {
		t.Errorf("%+v", d)
	}
	in.MinDevices = 5
	if d := Suggest(in); len(d) != 1 || d[0].Problem.Match != (record.ProblemMatch{Control: "disk-encryption", Model: "M"}) {
		t.Errorf("%+v", d)
	}
}
