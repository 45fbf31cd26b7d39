package output

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/estate-dev/estate/internal/record"
)

// sarifGroup is the findings one summary result stands for: those of one
// rule and control (or rule alone) beyond the cap.
type sarifGroup struct {
	rule, control string
	first         record.Finding // the most severe
	n             int
	assets        map[string]bool
	names         []string // the first assets, in order
}

// sarifNamed is how many assets a summary result names.
const sarifNamed = 10

func (g *sarifGroup) result(ruleIdx int, level string) sarifResult {
	what := g.rule
	if g.control != "" {
		what += " (control " + g.control + ")"
	}
	names := strings.Join(g.names, ", ")
	if more := len(g.assets) - len(g.names); more > 0 {
		names += fmt.Sprintf(" and %d more", more)
	}
	text := fmt.Sprintf("%d findings of %s on %d assets are summarised in this result, beyond GitHub code scanning's %d results per run: %s. Run with --format json for every finding.",
		g.n, what, len(g.assets), MaxSARIFResults, names)
	sum := sha256.Sum256([]byte("summary\x00" + g.rule + "\x00" + g.control))
	props := map[string]string{"summary": "true", "findings": strconv.Itoa(g.n), "assets": strconv.Itoa(len(g.assets)), "severity": g.first.Severity.String()}
	if g.control != "" {
		props["control"] = g.control
	}
	return sarifResult{RuleID: g.rule, RuleIndex: ruleIdx, Level: level, Message: sarifText{text},
		Locations:           []sarifLocation{sarifLocate(g.first.Pos)},
		PartialFingerprints: map[string]string{"estate/v1": hex.EncodeToString(sum[:])},
		Properties:          props}
}

// sarifCap splits findings (more than MaxSARIFResults) into the most
// severe, as results of their own, and the groups that summarise the
// others, so that both together are at most MaxSARIFResults results.
func sarifCap(fs []record.Finding) ([]record.Finding, []*sarifGroup) {
	idx := make([]int32, len(fs))
	for i := range idx {
		idx[i] = int32(i)
	}
	sort.SliceStable(idx, func(i, j int) bool { return fs[idx[i]].Severity > fs[idx[j]].Severity })
	key := func(f *record.Finding, byControl bool) string {
		if byControl {
			return f.Rule + "\x00" + f.Control
		}
		return f.Rule
	}
	byControl := true
	distinct := map[string]bool{}
	for i := range fs {
		distinct[key(&fs[i], true)] = true
	}
	if len(distinct) > maxSARIFGroups {
		byControl = false
	}
	nGroups := len(distinct)
	if !byControl {
		clear(distinct)
		for i := range fs {
			distinct[key(&fs[i], false)] = true
		}
		nGroups = min(len(distinct), maxSARIFGroups)
	}
	keep := MaxSARIFResults - nGroups
	kept := make([]record.Finding, keep)
	for i, k := range idx[:keep] {
		kept[i] = fs[k]
	}
	var groups []*sarifGroup
	byKey := map[string]*sarifGroup{}
	for _, k := range idx[keep:] {
		f := &fs[k]
		kk := key(f, byControl)
		g := byKey[kk]
		if g == nil {
			if len(groups) == maxSARIFGroups {
				g = groups[len(groups)-1] // the least severe group takes the rest
			} else {
				g = &sarifGroup{rule: f.Rule, first: *f, assets: map[string]bool{}}
				if byControl {
					g.control = f.Control
				}
				groups = append(groups, g)
			}
			byKey[kk] = g
		}
		g.n++
		asset := f.Record
		if asset == "" {
			asset = f.Pos.File
		}
		if !g.assets[asset] {
			g.assets[asset] = true
			if len(g.names) < sarifNamed {
				g.names = append(g.names, asset)
			}
		}
	}
	return kept, groups
}
