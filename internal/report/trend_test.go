package report

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/ledger/compliance"
	"github.com/estate-dev/estate/internal/record"
)

func trendEstate(devices int, locs ...string) *record.Estate {
	recs := []*record.Record{{Kind: record.KindBaseline, ID: "mac", Baseline: &record.Baseline{Name: "mac", Version: "2.0.0",
		Controls: []record.Control{{ID: "CTL-NEW", Effective: "2027-02-01", Grace: "14d"}}}}}
	for i := range devices {
		id := fmt.Sprintf("LT-%04d", i)
		recs = append(recs, &record.Record{Kind: record.KindAsset, ID: id, Asset: &record.Asset{ID: id, Class: "laptop",
			Status: "deployed", Baseline: "mac", Location: locs[i%len(locs)], Owner: "@team-" + locs[i%len(locs)]}})
	}
	return record.NewEstate(recs)
}

var day0 = time.Date(2026, 1, 1, 6, 0, 0, 0, time.UTC)

// TestTimeToRemediate: two failures fixed after 9 and 8 days: median 8,
// 90th percentile 9 (nearest rank), per control, location and team.
func TestTimeToRemediate(t *testing.T) {
	est := trendEstate(2, "LON")
	k := func(a string) compliance.Key { return compliance.Key{Asset: a, Control: "C1"} }
	audits := []compliance.Audit{
		{Seq: 1, At: day0, Changes: []compliance.Change{{Key: k("LT-0000"), State: compliance.Fail}}},
		{Seq: 2, At: day0.AddDate(0, 0, 1), Changes: []compliance.Change{{Key: k("LT-0001"), State: compliance.Fail}}},
		{Seq: 3, At: day0.AddDate(0, 0, 9), Changes: []compliance.Change{{Key: k("LT-0000"), State: compliance.Pass}, {Key: k("LT-0001"), State: compliance.Pass}}},
	}
	tr := buildTrend(est, audits, day0.AddDate(0, 0, 30), "day")
	var got []string
	for _, r := range tr.TTR {
		got = append(got, fmt.Sprintf("%s/%s %d %.0f %.0f", r.By, r.Name, r.Fixed, r.Median, r.P90))
	}
	want := "[baseline/mac 2 8 9 control/C1 2 8 9 location/LON 2 8 9 team/@team-LON 2 8 9]"
	if fmt.Sprint(got) != want {
		t.Errorf("time to remediate %v, want %s", got, want)
	}
	if p := tr.Points; len(p) != 3 || p[0].Failing != 1 || p[1].Failing != 2 || p[2].Failing != 0 || p[2].Compliant != 100 {
		t.Errorf("points %+v", p)
	}
}

// TestTrendOfAYear: a generated year of daily audits of 1,000 devices, 0.5 %
// of states changing each day, and on 1 December a new control failing on
// 120 devices in LON. The monthly trend has 12 points; the commentary
// names the control and the location that drove December, the deadline
// ahead, and every number it states is a figure the report shows.
func TestTrendOfAYear(t *testing.T) {
	const devices, controls = 1000, 10
	est := trendEstate(devices, "LON", "NYC", "PAR", "BER")
	rng := rand.New(rand.NewPCG(7, 8))
	state := map[compliance.Key]compliance.State{}
	var audits []compliance.Audit
	for d := range 365 {
		at := day0.AddDate(0, 0, d)
		changed := map[compliance.Key]compliance.State{}
		for len(changed) < devices*controls/200 {
			k := compliance.Key{Asset: fmt.Sprintf("LT-%04d", rng.IntN(devices)), Control: fmt.Sprintf("CTL-%02d", rng.IntN(controls))}
			if _, dup := changed[k]; dup {
				continue
			}
			switch {
			case state[k] == compliance.Fail:
				changed[k] = compliance.Pass
			case rng.IntN(50) == 0: // about 2 % of states fail at any time
				changed[k] = compliance.Fail
			}
		}
		if at.Month() == time.December && at.Day() == 1 {
			for i := 0; len(changed) < devices*controls/200+120; i += 4 { // LON is every 4th device
				changed[compliance.Key{Asset: fmt.Sprintf("LT-%04d", i), Control: "CTL-NEW"}] = compliance.Fail
			}
		}
		var cs []compliance.Change
		for k, s := range changed {
			cs = append(cs, compliance.Change{Key: k, State: s})
		}
		compliance.Sort(cs)
		compliance.Apply(state, cs)
		audits = append(audits, compliance.Audit{Seq: int64(d + 1), At: at, Changes: cs})
	}
	asOf := time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC)
	r := &Report{AsOf: asOf.Format(time.RFC3339), Trend: buildTrend(est, audits, asOf, "month")}
	tr := r.Trend
	if len(tr.Points) != 12 || tr.Points[11].Period != "2026-12" || tr.Points[0].Period != "2026-01" {
		t.Fatalf("points %+v", tr.Points)
	}
	c := strings.Join(tr.Commentary, "\n")
	for _, want := range []string{"By control, CTL-NEW moved most", "By location, LON moved most", "Next deadline: CTL-NEW of mac takes effect on 2027-02-01 with 14d of grace",
		"At the end of 2026-12,", "took longest to fix"} {
		if !strings.Contains(c, want) {
			t.Errorf("commentary lacks %q:\n%s", want, c)
		}
	}
	if tr.Points[11].Compliant >= tr.Points[10].Compliant || !strings.Contains(c, "down ") {
		t.Errorf("December is worse than November: %+v %+v\n%s", tr.Points[10], tr.Points[11], c)
	}
	// Every number of the commentary is a figure the report's tables show.
	var text bytes.Buffer
	writeTrendText(&text, tr, false)
	figures := text.String()
	num := regexp.MustCompile(`[0-9][0-9.,-]*[0-9]|[0-9]`)
	for _, s := range tr.Commentary {
		for _, n := range num.FindAllString(s, -1) {
			n = strings.TrimSuffix(n, ".")
			if !strings.Contains(figures, n) && !strings.Contains(figures, fmt.Sprintf("%.1f", atof(n))) {
				t.Errorf("commentary %q states %s, which no figure shows", s, n)
			}
		}
	}
	var md bytes.Buffer
	if err := writeMarkdown(&md, r); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(md.String(), "# Estate as of") || !strings.Contains(md.String(), "## Compliance trend") {
		t.Errorf("markdown:\n%.400s", md.String())
	}
}

func atof(s string) float64 {
	var f float64
	fmt.Sscanf(s, "%g", &f)
	return f
}

// TestTrendDriversAreTheLastTwoPeriods: the drivers are the failing
// devices per control, baseline, location and team at the end of the
// last period against the end of the one before, counted here from the
// states folded up to those two audits.
func TestTrendDriversAreTheLastTwoPeriods(t *testing.T) {
	est := trendEstate(60, "LON", "NYC", "PAR")
	rng := rand.New(rand.NewPCG(3, 5))
	var audits []compliance.Audit
	for d := range 120 {
		var cs []compliance.Change
		seen := map[compliance.Key]bool{}
		for range 12 {
			k := compliance.Key{Asset: fmt.Sprintf("LT-%04d", rng.IntN(70)), Control: fmt.Sprintf("C%d", rng.IntN(4))} // 10 not in the estate
			if !seen[k] {
				seen[k] = true
				cs = append(cs, compliance.Change{Key: k, State: compliance.State(rng.IntN(4))})
			}
		}
		audits = append(audits, compliance.Audit{Seq: int64(d + 1), At: day0.AddDate(0, 0, d), Changes: cs})
	}
	asOf := day0.AddDate(0, 0, 100) // mid-April: the audits after do not count
	counts := func(upTo time.Time) map[[2]string]int {
		state := map[compliance.Key]compliance.State{}
		for _, a := range audits {
			if !a.At.After(upTo) {
				compliance.Apply(state, a.Changes)
			}
		}
		devs := map[[2]string]map[string]bool{}
		add := func(g [2]string, id string) {
			if devs[g] == nil {
				devs[g] = map[string]bool{}
			}
			devs[g][id] = true
		}
		for k, s := range state {
			if s != compliance.Fail {
				continue
			}
			add([2]string{"control", k.Control}, k.Asset)
			if a := est.Assets[k.Asset]; a != nil {
				add([2]string{"baseline", a.Baseline}, k.Asset)
				add([2]string{"location", a.Location}, k.Asset)
				add([2]string{"team", a.Owner}, k.Asset)
			}
		}
		out := map[[2]string]int{}
		for g, ids := range devs {
			out[g] = len(ids)
		}
		return out
	}
	before, after := counts(day0.AddDate(0, 0, 89)), counts(asOf) // the last audits of March, and of April so far
	want := map[string]bool{}
	for _, m := range []map[[2]string]int{before, after} {
		for g := range m {
			if before[g] != after[g] {
				want[fmt.Sprintf("%s/%s %d->%d", g[0], g[1], before[g], after[g])] = true
			}
		}
	}
	tr := buildTrend(est, audits, asOf, "month")
	got := map[string]bool{}
	for _, d := range tr.Drivers {
		got[fmt.Sprintf("%s/%s %d->%d", d.By, d.Name, d.Before, d.After)] = true
	}
	if len(want) == 0 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("drivers %v, want %v", got, want)
	}
	if len(tr.Points) != 4 {
		t.Errorf("%d points, want January to April", len(tr.Points))
	}
}
