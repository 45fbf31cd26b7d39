package htmlreport

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/forecast"
	"github.com/estate-dev/estate/internal/licence"
	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/report"
	"github.com/estate-dev/estate/internal/synth"
	"github.com/estate-dev/estate/internal/validate"
)

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// hostile is text from records that tries to break out of the page.
const hostile = `<script>alert(1)</script>"><img src=x onerror=alert(2)></style><a href="https://evil.example/">x</a>`

// synthData builds the report data of a synthetic estate of n assets
// (written to a temporary folder and loaded as estate does), with one
// hostile record and a trend and changes.
func synthData(t testing.TB, n int) Data {
	t.Helper()
	dir := t.TempDir()
	files := synth.Generate(synth.Config{Assets: n, Seed: 7, Now: now})
	files = append(files, synth.File{Path: "inventory/locations/EVIL.yaml", Data: []byte(
		"apiVersion: estate/v1\nkind: Location\nid: EVIL\nname: '" + strings.ReplaceAll(hostile, "'", "''") + "'\ntype: site\n")},
		synth.File{Path: "inventory/laptop/LT-EVIL.yaml", Data: []byte(
			"apiVersion: estate/v1\nkind: Asset\nid: LT-EVIL\nclass: laptop\nstatus: in-stock\nmodel: '" + strings.ReplaceAll(hostile, "'", "''") +
				"'\nlocation: EVIL\npurchase: {date: 2022-12-01, cost: 10, currency: GBP}\n")})
	if err := synth.Write(dir, files); err != nil {
		t.Fatal(err)
	}
	tree, err := load.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer tree.Close()
	res, err := validate.Run(context.Background(), validate.Options{Tree: tree, Now: now, Select: func(string, string) bool { return false }})
	if err != nil {
		t.Fatal(err)
	}
	e := res.Estate
	return Data{
		Title: "Estate service report", Org: "example/" + hostile, AsOf: "2026-11-23", Revision: "abc1234", Generated: now.Format(time.RFC3339),
		Estate:   e,
		Licences: licence.Analyse(e, nil, licence.Options{Now: now}),
		Forecast: forecast.Forecast(e, forecast.Options{Now: now, Months: 12}),
		Trend: []Point{{Date: "2026-09-01", Devices: 100, Compliant: 71, NonCompliant: 29}, {Date: "2026-10-01", Devices: 104, Compliant: 83, NonCompliant: 21},
			{Date: "2026-11-01", Devices: 110, Compliant: 97, NonCompliant: 10, Unverified: 3, Missing: 2, Findings: 31}},
		Changes: []Change{{Date: "2026-11-20", ID: "CR-2026-0042", Title: hostile, Type: "normal", Risk: "medium", PR: 42, Author: "jane",
			Approvers: []string{"omar", "li"}, Records: 3}},
		PeriodStart: "2026-08-25", PeriodEnd: "2026-11-23", ChangesSource: "ledger",
		Notes: []string{"note: " + hostile},
		ComplianceTrend: &report.Trend{Period: "month", Devices: 110, Points: []report.TrendPoint{{Period: "2026-10", Audit: 3, Failing: 21, Compliant: 80.9},
			{Period: "2026-11", Audit: 9, Failing: 13, Compliant: 88.2}},
			Drivers: []report.Driver{{By: "control", Name: "MAC-OS-001", Before: 12, After: 4}, {By: "location", Name: hostile, Before: 3, After: 1}},
			TTR:     []report.Remediation{{By: "control", Name: "MAC-OS-001", Fixed: 8, Median: 6, P90: 12}},
			Ahead:   []report.Deadline{{Baseline: "euc-macos", Control: "MAC-OS-002", Effective: "2026-12-15", Grace: "14d", Upcoming: 7}}},
		Commentary: []string{"At the end of 2026-11, 88.2% of 110 devices were compliant (13 failing), up 7.3 points from 2026-10 (21 failing).",
			"By location, " + hostile + " moved most: 2 fewer failing devices (3 to 1)."},
	}
}

// TestChartsHaveAxes: every chart draws both axes and labels its scale;
// dates and ids sit in cells that do not wrap.
func TestChartsHaveAxes(t *testing.T) {
	page := string(render(t, synthData(t, 200)))
	charts := strings.Split(page, "<svg")[1:]
	if len(charts) < 5 {
		t.Fatalf("%d charts, want the trend, the compliance trend, three bar charts and the forecast", len(charts))
	}
	for i, c := range charts {
		c = c[:strings.Index(c, "</svg>")]
		if n := strings.Count(c, `class="axis"`); n < 2 {
			t.Errorf("chart %d has %d axes:\n%.300s", i, n, c)
		}
		if !regexp.MustCompile(`<text[^>]*>[^<]*[0-9]`).MatchString(c) {
			t.Errorf("chart %d labels no scale", i)
		}
	}
	for _, want := range []string{`id="commentary"`, "up 7.3 points", `<td class="nw">2026-12-15</td>`, "td:first-child{white-space:nowrap}", "Compliance trend by month"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Index(page, `id="commentary"`) > strings.Index(page, `id="kpis"`) {
		t.Error("the commentary does not open the report")
	}
}

func render(t testing.TB, d Data) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, d); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestSelfContainedAndEscaped: no script, no external reference, every
// hostile value escaped, every section present.
func TestSelfContainedAndEscaped(t *testing.T) {
	out := string(render(t, synthData(t, 300)))
	// Every tag is one of the page's own: escaped text holds no '<', so
	// the tags are exactly the <...> runs.
	allowed := map[string]bool{"!DOCTYPE": true, "html": true, "head": true, "meta": true, "title": true, "style": true, "body": true,
		"header": true, "h1": true, "h2": true, "h3": true, "p": true, "main": true, "div": true, "section": true, "svg": true, "line": true,
		"text": true, "polyline": true, "circle": true, "table": true, "thead": true, "tbody": true, "tr": true, "th": true, "td": true,
		"strong": true, "code": true, "g": true, "rect": true, "span": true, "ul": true, "li": true, "footer": true}
	tagRE := regexp.MustCompile(`<(/?)([!A-Za-z][A-Za-z0-9]*)([^>]*)>`)
	for _, m := range tagRE.FindAllStringSubmatch(out, -1) {
		if !allowed[m[2]] {
			t.Errorf("unexpected element <%s>", m[2])
		}
		if a := regexp.MustCompile(`(?i)\s(on[a-z]+|src|href|xlink:href|srcset|action)\s*=`).FindString(m[3]); a != "" {
			t.Errorf("element <%s> has attribute %q", m[2], a)
		}
	}
	style := out[strings.Index(out, "<style>"):strings.Index(out, "</style>")]
	for _, bad := range []string{"@import", "url("} {
		if strings.Contains(style, bad) {
			t.Errorf("the style sheet holds %q", bad)
		}
	}
	if !strings.Contains(out, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("hostile text is not shown escaped")
	}
	if !strings.Contains(out, `Content-Security-Policy" content="default-src 'none'`) {
		t.Error("no Content-Security-Policy")
	}
	for _, id := range []string{`id="kpis"`, `id="compliance"`, `id="inventory"`, `id="licences"`, `id="forecast"`, `id="changes"`,
		"Compliance trend", "88.2%", "MS365-E3", "By quarter", "CR-2026-0042"} {
		if !strings.Contains(out, id) {
			t.Errorf("report lacks %q", id)
		}
	}
}

func TestEmptyEstate(t *testing.T) {
	out := string(render(t, Data{Title: "Empty", AsOf: "2026-11-23"}))
	if !strings.Contains(out, "No audit is recorded") || !strings.Contains(out, "No licences") {
		t.Errorf("empty report:\n%s", out)
	}
}

// TestLargeEstate is the size budget: every list is bounded, so the size
// does not grow with the estate; 20,000 assets here (BenchmarkWrite100k
// reports the size at 100,000), far under 5 MB. -short skips it.
func TestLargeEstate(t *testing.T) {
	if testing.Short() {
		t.Skip("20,000 assets")
	}
	d := synthData(t, 20_000)
	start := time.Now()
	out := render(t, d)
	t.Logf("20,000 assets: %d bytes, rendered in %v", len(out), time.Since(start))
	if len(out) > 1<<20 {
		t.Errorf("report is %d bytes, over 1 MB", len(out))
	}
}

// BenchmarkWrite100k renders the report of a 100,000-asset estate (the
// estate, licences and forecast computed once, outside the timer; see
// the CLI benchmark in docs/performance.md for the whole command).
func BenchmarkWrite100k(b *testing.B) {
	d := synthData(b, 100_000)
	b.ResetTimer()
	var size int
	for b.Loop() {
		var buf bytes.Buffer
		if err := Write(&buf, d); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size), "bytes")
}

// BenchmarkAnalyse100k is the rest of the report's work on 100,000 assets:
// licences and forecast.
func BenchmarkAnalyse100k(b *testing.B) {
	d := synthData(b, 100_000)
	b.ResetTimer()
	for b.Loop() {
		licence.Analyse(d.Estate, nil, licence.Options{Now: now})
		forecast.Forecast(d.Estate, forecast.Options{Now: now, Months: 12})
	}
}

func TestIncidentsSection(t *testing.T) {
	svc := &report.Service{Opened: 3, Open: 2, OpenBySeverity: map[string]int{"high": 2}, OpenByAge: map[string]int{"0-7d": 2},
		Breaches:      []report.Incident{{Issue: 7, Fingerprint: "device/<b>LT-1</b>", Severity: "high", Due: "2026-11-01", DaysOver: 3}},
		MTTRByControl: []report.MTTR{{Key: "fw", Resolved: 1, Hours: 36}},
		TopProblems:   []report.ProblemRow{{ID: "PRB-2026-0001", Title: "<script>alert(1)</script>", Status: "known-error", Control: "fw", Incidents: 2}}}
	out := string(render(t, Data{Title: "T", AsOf: "2026-11-23", Service: svc}))
	for _, want := range []string{`<section id="incidents">`, "2 open of 3 opened", "#7", "device/&lt;b&gt;LT-1&lt;/b&gt;", "PRB-2026-0001", "&lt;script&gt;", "36.0"} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q", want)
		}
	}
	if strings.Contains(out, "<script>alert") {
		t.Error("a problem's title not escaped")
	}
	if strings.Contains(string(render(t, Data{Title: "T", AsOf: "2026-11-23"})), `id="incidents"`) {
		t.Error("an incidents section without a service view")
	}
}
