package output

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/estate-dev/estate/internal/record"
)

// MaxAnnotationsPerKind is how many annotations of one kind (error,
// warning, notice) GitHub Actions shows for a step; it drops the others
// silently (and shows at most 50 for a job).
const MaxAnnotationsPerKind = 10

// GitHub writes workflow commands (::error file=…,line=…,col=…::message)
// that GitHub Actions turns into annotations on the lines. Of a kind with
// more findings than GitHub shows (MaxAnnotationsPerKind), the first
// MaxAnnotationsPerKind-1 are annotations and the last annotation of the
// kind says how many more there are; those are then summarised in the log,
// one line per rule and control with its findings, assets and the first
// assets, so that nothing is dropped without a word.
func GitHub(w io.Writer, r Report, _ Options) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	count := map[string]int{}
	for i := range r.Findings {
		count[annotationLevel(r.Findings[i].Severity)]++
	}
	shown := map[string]int{}
	rest := map[string]*annotationGroups{}
	for i := range r.Findings {
		f := &r.Findings[i]
		level := annotationLevel(f.Severity)
		if count[level] > MaxAnnotationsPerKind && shown[level] >= MaxAnnotationsPerKind-1 {
			g := rest[level]
			if g == nil {
				g = &annotationGroups{by: map[string]*annotationGroup{}}
				rest[level] = g
			}
			g.add(f)
			continue
		}
		shown[level]++
		props := []string{"file=" + escapeProperty(TextSafe(f.Pos.File))}
		if f.Pos.Line > 0 {
			props = append(props, fmt.Sprintf("line=%d", f.Pos.Line))
		}
		if f.Pos.Col > 0 {
			props = append(props, fmt.Sprintf("col=%d", f.Pos.Col))
		}
		props = append(props, "title="+escapeProperty("estate "+TextSafe(f.Rule)))
		// Values are made visible first (TextSafe); the one real line
		// break, before the hint, is then escaped as the runner wants.
		msg := TextSafe(f.Message)
		if f.Hint != "" {
			msg += "\n" + TextSafe(f.Hint)
		}
		fmt.Fprintf(bw, "::%s %s::%s\n", level, strings.Join(props, ","), escapeData(msg))
	}
	for _, level := range []string{"error", "warning", "notice"} {
		g := rest[level]
		if g == nil {
			continue
		}
		fmt.Fprintf(bw, "::%s title=%s::%s\n", level, escapeProperty("estate: "+fmt.Sprint(g.n)+" more"),
			escapeData(fmt.Sprintf("%d more %s findings are not annotated: GitHub shows %d annotations of a kind per step. They are summarised in the log per rule and control; --format json has every finding.", g.n, level, MaxAnnotationsPerKind)))
		fmt.Fprintf(bw, "%d %s findings beyond the annotations, per rule and control:\n", g.n, level)
		for _, x := range g.sorted() {
			what := x.rule
			if x.control != "" {
				what += " " + x.control
			}
			names := strings.Join(x.names, ", ")
			if more := x.assets - len(x.names); more > 0 {
				names += fmt.Sprintf(" and %d more", more)
			}
			fmt.Fprintf(bw, "  %s: %d findings on %d assets: %s\n", TextSafe(what), x.n, x.assets, TextSafe(names))
		}
	}
	fmt.Fprintln(bw, summaryLine(r))
	return bw.Flush()
}

func annotationLevel(s record.Severity) string {
	switch {
	case s >= record.SevHigh:
		return "error"
	case s >= record.SevMedium:
		return "warning"
	}
	return "notice"
}

// annotationGroups summarises the findings of one kind beyond the
// annotations, per rule and control.
type annotationGroups struct {
	n     int
	by    map[string]*annotationGroup
	order []*annotationGroup
}

type annotationGroup struct {
	rule, control string
	n, assets     int
	seen          map[string]bool
	names         []string
}

func (g *annotationGroups) add(f *record.Finding) {
	g.n++
	k := f.Rule + "\x00" + f.Control
	x := g.by[k]
	if x == nil {
		x = &annotationGroup{rule: f.Rule, control: f.Control, seen: map[string]bool{}}
		g.by[k] = x
		g.order = append(g.order, x)
	}
	x.n++
	a := f.Record
	if a == "" {
		a = f.Pos.File
	}
	if !x.seen[a] {
		x.seen[a] = true
		x.assets++
		if len(x.names) < 5 {
			x.names = append(x.names, a)
		}
	}
}

// sorted is the groups with the most findings first, then in report order.
func (g *annotationGroups) sorted() []*annotationGroup {
	out := append([]*annotationGroup(nil), g.order...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].n > out[j].n })
	return out
}

// escapeData and escapeProperty follow @actions/core's command.ts, so that
// no value can end the command early or start another one.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
