package htmlreport

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/estate-dev/estate/internal/forecast"
	"github.com/estate-dev/estate/internal/licence"
	"github.com/estate-dev/estate/internal/output"
	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/report"
)

// Limits on list lengths, so a large estate gives a small file.
const (
	MaxLocations = 15  // locations charted; the rest are summed as "other"
	MaxLicences  = 200 // licence rows
	MaxDueItems  = 100 // forecast items listed
	MaxChanges   = 200 // changes listed
	MaxTrend     = 60  // audit points charted
)

// Point is one audit's compliance, for the trend.
type Point struct {
	Date         string `json:"date"` // YYYY-MM-DD
	Devices      int    `json:"devices"`
	Compliant    int    `json:"compliant"`
	NonCompliant int    `json:"non_compliant"`
	Unverified   int    `json:"unverified"`
	Missing      int    `json:"missing"`
	Findings     int    `json:"findings"`
}

// Percent is the share of compliant devices among those audited.
func (p Point) Percent() float64 { return record.Percent(p.Compliant, p.Devices) }

// Change is one change implemented in the period.
type Change struct {
	Date      string   `json:"date"`
	ID        string   `json:"id"`
	Title     string   `json:"title"`
	Type      string   `json:"type"`
	Risk      string   `json:"risk"`
	PR        int      `json:"pr,omitempty"`
	Author    string   `json:"author,omitempty"`
	Approvers []string `json:"approvers,omitempty"`
	Records   int      `json:"records"`
}

// Baseline is the compliance of one baseline's devices.
type Baseline struct {
	Name         string
	Version      string
	Devices      int
	Compliant    int
	NonCompliant int
	Unverified   int
	// Failing names the controls failed by most devices, worst first.
	Failing []string
}

// Percent is the share of compliant devices.
func (b Baseline) Percent() string {
	if b.Devices == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(b.Compliant)/float64(b.Devices))
}

// Data is everything the report shows.
type Data struct {
	Title     string
	Org       string // e.g. the repository's name
	AsOf      string // YYYY-MM-DD
	Revision  string // the commit, or "working tree"
	Generated string // RFC 3339
	Estate    *record.Estate
	Licences  licence.Report
	Forecast  forecast.Report
	Trend     []Point // oldest first
	// Current is compliance computed now from the facts (not recorded in
	// the ledger); it is the headline when set. CurrentSource says so.
	Current       *Point
	CurrentSource string
	Baselines     []Baseline
	Changes       []Change // newest first
	PeriodStart   string
	PeriodEnd     string
	// ChangesSource says where the changes came from (the ledger, or
	// changes/ when there is no ledger).
	ChangesSource string
	// Service is the incidents' service view (nil: not shown).
	Service *report.Service
	// Notes say what the report could not show, and why.
	Notes []string
	// Commentary opens the report: sentences interpreting the figures of
	// ComplianceTrend (report.Trend), which the report shows.
	Commentary      []string
	ComplianceTrend *report.Trend
}

// Write renders d as one self-contained HTML document.
func Write(w io.Writer, d Data) error {
	v := build(d)
	if err := page.Execute(w, v); err != nil {
		return fmt.Errorf("render report: %w", err)
	}
	return nil
}

// view is what the template reads.
type view struct {
	Data
	Active, Total int
	KPIs          []kpi
	Latest        *Point
	TrendChart    *lineChart
	TrendRows     []Point
	// StateChart plots ComplianceTrend's points.
	StateChart   *lineChart
	Status       barChart
	Class        barChart
	Location     barChart
	Matrix       matrix
	LicenceRows  []licence.Usage
	LicenceMore  int
	Findings     []record.Finding
	Months       columnChart
	Quarters     []forecast.Bucket
	Overdue      forecast.Bucket
	Due          []forecast.Item
	DueMore      int
	ChangeRows   []Change
	ChangeMore   int
	MoneyRefresh string
	Money        func(map[string]float64) string
}

type kpi struct {
	Label, Value, Sub string
	Tone              string // good, warn, bad, ""
}

type bar struct {
	Label      string
	Short      string // Label cut to fit beside the bar
	Value      int
	Y, W       int
	LabelY     int
	ValueX     int
	ValueLabel string
}

type barChart struct {
	Title  string
	Bars   []bar
	Height int // of the bars; the scale is drawn below them
	Max    int
}

type matrix struct {
	Cols []string
	Rows []matrixRow
}

type matrixRow struct {
	Label string
	Cells []int
	Total int
}

type lineChart struct {
	XTitle   string
	Points   string // "x,y x,y ..."
	Dots     []dot
	YTicks   []tick
	XLabels  []tick
	Width    int
	Height   int
	Baseline int
}

type dot struct {
	X, Y  int
	Title string
}

type tick struct {
	Pos    int
	Label  string
	Anchor string // SVG text-anchor: start, middle or end
}

type column struct {
	X, W        int
	Y1, H1      int // refresh
	Y2, H2      int // warranty
	Label       string
	Title       string
	LabelX      int
	Refresh     int
	Warranty    int
	Audit       int
	RefreshCost string
}

type columnChart struct {
	Cols   []column
	Width  int
	Height int
	Base   int
	Max    int
}

var statusOrder = []string{"in-stock", "deployed", "loaned", "in-repair", "lost", "stolen", "retired", "disposed"}

func build(d Data) view {
	v := view{Data: d, Money: output.MoneyMap}
	e := d.Estate
	if e == nil {
		e = record.NewEstate(nil)
	}
	byStatus := map[string]int{}
	byClass := map[string]int{}
	byLoc := map[string]int{}
	cell := map[[2]string]int{}
	for _, a := range e.Assets {
		v.Total++
		if licence.Active(a.Status) {
			v.Active++
		}
		byStatus[a.Status]++
		byClass[a.Class]++
		loc := a.Location
		if loc == "" {
			loc = "(none)"
		}
		if licence.Active(a.Status) {
			byLoc[loc]++
		}
		cell[[2]string{a.Class, a.Status}]++
	}
	// status, in lifecycle order
	var st []kv
	for _, s := range statusOrder {
		if n := byStatus[s]; n > 0 {
			st = append(st, kv{s, n})
		}
	}
	for s, n := range byStatus {
		if indexOf(statusOrder, s) < 0 {
			st = append(st, kv{s, n})
		}
	}
	v.Status = bars("By status", st)
	v.Class = bars("By class", sortedDesc(byClass))
	locs := sortedDesc(byLoc)
	if len(locs) > MaxLocations {
		rest := 0
		for _, x := range locs[MaxLocations:] {
			rest += x.n
		}
		locs = append(locs[:MaxLocations], kv{fmt.Sprintf("%d other locations", len(locs)-MaxLocations), rest})
	}
	for i := range locs {
		if l, ok := e.Locations[locs[i].k]; ok && l.Name != "" {
			locs[i].k = l.Name + " (" + l.ID + ")"
		}
	}
	v.Location = bars("Active assets by location", locs)
	for _, s := range statusOrder {
		if byStatus[s] > 0 {
			v.Matrix.Cols = append(v.Matrix.Cols, s)
		}
	}
	for _, c := range sortedDesc(byClass) {
		r := matrixRow{Label: c.k, Total: c.n}
		for _, s := range v.Matrix.Cols {
			r.Cells = append(r.Cells, cell[[2]string{c.k, s}])
		}
		v.Matrix.Rows = append(v.Matrix.Rows, r)
	}

	// compliance
	trend := d.Trend
	if len(trend) > MaxTrend {
		trend = trend[len(trend)-MaxTrend:]
	}
	if d.Current != nil {
		v.Latest = d.Current
	}
	if tr := d.ComplianceTrend; tr != nil && len(tr.Points) > 0 {
		ps := tr.Points
		if len(ps) > MaxTrend {
			ps = ps[len(ps)-MaxTrend:]
		}
		var pts []Point
		for _, p := range ps {
			pts = append(pts, Point{Date: p.Period, Devices: tr.Devices, Compliant: tr.Devices - p.Failing, NonCompliant: p.Failing})
		}
		v.StateChart = trendChart(pts, tr.Period)
	}
	if len(trend) > 0 {
		last := trend[len(trend)-1]
		if v.Latest == nil {
			v.Latest = &last
		}
		v.TrendChart = trendChart(trend, "audit date")
		rows := trend
		if len(rows) > 12 {
			rows = rows[len(rows)-12:]
		}
		for i := len(rows) - 1; i >= 0; i-- {
			v.TrendRows = append(v.TrendRows, rows[i])
		}
	}

	// licences
	v.LicenceRows = d.Licences.Licences
	if len(v.LicenceRows) > MaxLicences {
		v.LicenceMore = len(v.LicenceRows) - MaxLicences
		v.LicenceRows = v.LicenceRows[:MaxLicences]
	}
	for _, f := range d.Licences.Findings {
		if f.Severity >= record.SevMedium && len(v.Findings) < 50 {
			v.Findings = append(v.Findings, f)
		}
	}

	// forecast
	fc := d.Forecast
	v.Overdue = fc.Overdue
	v.Quarters = fc.ByQuarter
	v.Months = columns(fc.ByMonth)
	total := map[string]float64{}
	for _, b := range fc.ByMonth {
		for c, x := range b.RefreshCost {
			total[c] += x
		}
	}
	v.MoneyRefresh = output.MoneyMap(total)
	for _, it := range fc.Items {
		if it.Overdue || it.Kind == "audit" {
			continue
		}
		if len(v.Due) < MaxDueItems {
			v.Due = append(v.Due, it)
		} else {
			v.DueMore++
		}
	}

	// changes
	v.ChangeRows = d.Changes
	if len(v.ChangeRows) > MaxChanges {
		v.ChangeMore = len(v.ChangeRows) - MaxChanges
		v.ChangeRows = v.ChangeRows[:MaxChanges]
	}

	// headline figures
	k := []kpi{{Label: "Active assets", Value: strconv.Itoa(v.Active), Sub: fmt.Sprintf("of %d records", v.Total)}}
	if v.Latest != nil {
		tone := "good"
		if p := v.Latest.Percent(); p < 90 {
			tone = "warn"
		}
		if p := v.Latest.Percent(); p < 70 {
			tone = "bad"
		}
		k = append(k, kpi{Label: "Compliant devices", Value: fmt.Sprintf("%.1f%%", v.Latest.Percent()),
			Sub: fmt.Sprintf("%d of %d, audit of %s", v.Latest.Compliant, v.Latest.Devices, v.Latest.Date), Tone: tone})
	} else {
		k = append(k, kpi{Label: "Compliant devices", Value: "n/a", Sub: "no audit recorded"})
	}
	lt := d.Licences.Totals
	tone := "good"
	if lt.OverDeployed > 0 {
		tone = "bad"
	}
	k = append(k, kpi{Label: "Licences over-deployed", Value: strconv.Itoa(lt.OverDeployed), Sub: fmt.Sprintf("%d seats over; %d licences", lt.Over, lt.Licences), Tone: tone})
	k = append(k, kpi{Label: "Unused seats", Value: strconv.Itoa(lt.Unused), Sub: "saving " + output.MoneyMap(lt.SavingPerYear) + " a year"})
	nextQ := 0
	if len(fc.ByQuarter) > 0 {
		nextQ = fc.ByQuarter[0].Warranty
		if len(fc.ByQuarter) > 1 {
			nextQ += fc.ByQuarter[1].Warranty
		}
	}
	k = append(k, kpi{Label: "Warranties ending", Value: strconv.Itoa(nextQ), Sub: "this and next quarter"})
	refresh := 0
	for _, b := range fc.ByMonth {
		refresh += b.Refresh
	}
	k = append(k, kpi{Label: "Refresh due", Value: strconv.Itoa(refresh), Sub: fmt.Sprintf("next %d months, %s (+%d overdue)", fc.Months, v.MoneyRefresh, fc.Overdue.Refresh)})
	v.KPIs = k
	return v
}

type kv struct {
	k string
	n int
}

func sortedDesc(m map[string]int) []kv {
	out := make([]kv, 0, len(m))
	for k, n := range m {
		out = append(out, kv{k, n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].n != out[j].n {
			return out[i].n > out[j].n
		}
		return out[i].k < out[j].k
	})
	return out
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// bars lays out a horizontal bar chart: 22 px a bar, bars up to 300 px.
func bars(title string, data []kv) barChart {
	c := barChart{Title: title}
	for _, d := range data {
		if d.n > c.Max {
			c.Max = d.n
		}
	}
	for i, d := range data {
		w := 0
		if c.Max > 0 {
			w = int(math.Round(300 * float64(d.n) / float64(c.Max)))
		}
		if w == 0 && d.n > 0 {
			w = 1
		}
		y := 4 + i*22
		c.Bars = append(c.Bars, bar{Label: d.k, Short: clip(d.k, 28), Value: d.n, Y: y, W: w, LabelY: y + 13, ValueX: 194 + w, ValueLabel: strconv.Itoa(d.n)})
	}
	c.Height = 8 + len(data)*22
	return c
}

// trendChart plots compliance % over the audits: 640×220, 0–100 %, with
// both axes drawn and titled (xTitle names the x axis's unit).
func trendChart(ps []Point, xTitle string) *lineChart {
	const w, h, left, top, bottom = 640, 220, 40, 10, 170
	c := &lineChart{Width: w, Height: h, Baseline: bottom, XTitle: xTitle}
	n := len(ps)
	var pts []string
	for i, p := range ps {
		x := left + 10
		if n > 1 {
			x = left + 10 + i*(w-left-30)/(n-1)
		}
		y := bottom - int(math.Round(p.Percent()*float64(bottom-top)/100))
		pts = append(pts, fmt.Sprintf("%d,%d", x, y))
		c.Dots = append(c.Dots, dot{X: x, Y: y, Title: fmt.Sprintf("%s: %.1f%% (%d of %d)", p.Date, p.Percent(), p.Compliant, p.Devices)})
		switch {
		case i == 0:
			c.XLabels = append(c.XLabels, tick{Pos: x, Label: p.Date, Anchor: "start"})
		case i == n-1:
			c.XLabels = append(c.XLabels, tick{Pos: x, Label: p.Date, Anchor: "end"})
		case n > 6 && i == n/2:
			c.XLabels = append(c.XLabels, tick{Pos: x, Label: p.Date, Anchor: "middle"})
		}
	}
	c.Points = strings.Join(pts, " ")
	for _, pct := range []int{0, 25, 50, 75, 100} {
		c.YTicks = append(c.YTicks, tick{Pos: bottom - pct*(bottom-top)/100, Label: strconv.Itoa(pct) + "%"})
	}
	return c
}

// columns lays out the monthly forecast: a refresh and a warranty column
// per month, 640×220.
func columns(bs []forecast.Bucket) columnChart {
	const w, base, top = 640, 180, 10
	c := columnChart{Width: w, Height: 220, Base: base}
	for _, b := range bs {
		if b.Refresh > c.Max {
			c.Max = b.Refresh
		}
		if b.Warranty > c.Max {
			c.Max = b.Warranty
		}
	}
	if len(bs) == 0 {
		return c
	}
	slot := (w - 20) / len(bs)
	cw := slot / 3
	if cw < 2 {
		cw = 2
	}
	scale := func(n int) int {
		if c.Max == 0 {
			return 0
		}
		return int(math.Round(float64(n) * float64(base-top) / float64(c.Max)))
	}
	for i, b := range bs {
		x := 10 + i*slot + slot/6
		h1, h2 := scale(b.Refresh), scale(b.Warranty)
		c.Cols = append(c.Cols, column{X: x, W: cw, Y1: base - h1, H1: h1, Y2: base - h2, H2: h2, Label: b.Period,
			LabelX: x + cw, Refresh: b.Refresh, Warranty: b.Warranty, Audit: b.Audit, RefreshCost: output.MoneyMap(b.RefreshCost),
			Title: fmt.Sprintf("%s: %d refresh due (%s), %d warranties end", b.Period, b.Refresh, output.MoneyMap(b.RefreshCost), b.Warranty)})
	}
	return c
}

// clip cuts s to n runes, with an ellipsis.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

var funcs = template.FuncMap{
	"pct":   func(p Point) string { return fmt.Sprintf("%.1f%%", p.Percent()) },
	"money": output.Money,
	"days": func(d *int) string {
		if d == nil {
			return ""
		}
		return strconv.Itoa(*d)
	},
	"join": strings.Join,
	"add":  func(a, b int) int { return a + b },
	"sub":  func(a, b int) int { return a - b },
}

var page = template.Must(template.New("report").Funcs(funcs).Parse(pageHTML))
