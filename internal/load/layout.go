package load

import (
	"fmt"
	"path"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/estate-dev/estate/internal/record"
)

// Place is what the layout says a path must hold.
type Place struct {
	Kind  record.Kind // empty: not a record path
	Class string      // for assets: the folder's class
	ID    string      // the id the file name gives
	// Folder is the prefix sub-folder an inventory record sits in
	// (inventory/laptop/LT-01/LT-01234.yaml: LT-01), "" when it sits
	// directly in its kind's folder. Whether it is the folder the
	// estate's layout asks for is the layout rule's to say.
	Folder string
	// Problem explains why a path under the estate's folders holds no
	// record (wrong depth, wrong extension).
	Problem string
}

// Classes are the asset classes, each a folder under inventory/.
var Classes = []string{"laptop", "desktop", "thin-client", "monitor", "phone", "tablet",
	"printer", "server", "network", "peripheral", "other"}

func isClass(s string) bool {
	for _, c := range Classes {
		if c == s {
			return true
		}
	}
	return false
}

// Classify says which kind of record the file at p (slash path) must hold:
//
//	estate.yaml                   Settings
//	inventory/licences/<id>.yaml  Licence
//	inventory/locations/<id>.yaml Location
//	inventory/people/<id>.yaml    Person
//	inventory/<class>/<id>.yaml   Asset of that class
//	inventory/<class>/<sub>/<id>.yaml, inventory/licences/<sub>/<id>.yaml,
//	inventory/locations/<sub>/<id>.yaml  the same, in a layout's prefix
//	                              sub-folder (see record.LayoutSettings)
//	policies/baselines/<n>.yaml   Baseline
//	policies/change-control.yaml  ChangePolicy
//	changes/<id>.yaml             ChangeRequest
//	problems/<id>.yaml            Problem
//
// schema/*.cue files are not records (Kind is empty, Problem too).
func Classify(p string) Place {
	if p == "estate.yaml" {
		return Place{Kind: record.KindSettings, ID: "estate"}
	}
	// No strings.Split: Classify runs several times per file on every
	// run, so it allocates nothing.
	depth := strings.Count(p, "/") + 1
	top, rest, _ := strings.Cut(p, "/")
	second, _, _ := strings.Cut(rest, "/")
	base := p[strings.LastIndexByte(p, '/')+1:]
	ext := path.Ext(base)
	if top == "schema" {
		// schema/*.cue are unified with the built-in schemas; other files
		// there (a README, this project's embed.go) are not records.
		if ext == ".cue" && depth != 2 {
			return Place{Problem: "schema files belong directly under schema/, not in subfolders"}
		}
		return Place{}
	}
	if ext != ".yaml" && ext != ".yml" {
		// READMEs and hidden files that are not YAML (.gitkeep, an
		// editor's or a desktop's .DS_Store) are not records.
		if strings.EqualFold(base, "README.md") || strings.HasPrefix(base, ".") {
			return Place{}
		}
		return Place{Problem: "not a record file: records are *.yaml files"}
	}
	id := strings.TrimSuffix(base, ext)
	switch {
	case top == "inventory" && (depth == 3 || depth == 4 && p[len(top)+len(second)+2] != '.'):
		// A hidden folder (.old, .trash) is never a prefix folder: ids
		// do not start with a dot.
		var folder string
		if depth == 4 {
			folder = p[len(top)+len(second)+2 : len(p)-len(base)-1]
		}
		switch second {
		case "licences":
			return Place{Kind: record.KindLicence, ID: id, Folder: folder}
		case "locations":
			return Place{Kind: record.KindLocation, ID: id, Folder: folder}
		case "people":
			if folder != "" {
				return Place{Problem: "people records sit directly in inventory/people/ (the layout's prefix folders are for assets, licences and locations)"}
			}
			return Place{Kind: record.KindPerson, ID: id}
		}
		if isClass(second) {
			return Place{Kind: record.KindAsset, Class: second, ID: id, Folder: folder}
		}
		return Place{Problem: "inventory/" + second + "/ is not a class folder (want one of " + strings.Join(Classes, ", ") + ", licences, locations, people)"}
	case top == "policies" && depth == 3 && second == "baselines":
		return Place{Kind: record.KindBaseline, ID: id}
	case p == "policies/change-control.yaml" || p == "policies/change-control.yml":
		return Place{Kind: record.KindChangePolicy, ID: "change-control"}
	case top == "changes" && depth == 2:
		return Place{Kind: record.KindChangeRequest, ID: id}
	case top == "problems" && depth == 2:
		return Place{Kind: record.KindProblem, ID: id}
	}
	return Place{Problem: "no record belongs at this path (see the repository layout in the README)"}
}

// UnknownKind is the finding for a record whose kind field (node n, which
// may be the record's root when the field is missing) names no kind of
// record, with a did-you-mean for a near miss (Assets, asset, License).
func UnknownKind(file string, n *yaml.Node, kind string) record.Finding {
	names := make([]string, len(record.Kinds))
	for i, k := range record.Kinds {
		names[i] = string(k)
	}
	f := record.Finding{Pos: record.Pos{File: file}, Rule: RuleUnknown, Severity: record.SeverityError, Field: "kind",
		Message: fmt.Sprintf("unknown kind %q", kind),
		Hint:    "kind is one of " + strings.Join(names, ", ")}
	if n != nil {
		f.Pos.Line, f.Pos.Col = n.Line, n.Column
	}
	switch best := Closest(kind, names); {
	case record.Kind(kind) == record.KindFacts:
		f.Message = "a Facts document is not a record of the estate"
		f.Hint = "facts are collected from devices (estate facts collect); keep them out of the record folders"
	case best != "":
		f.Hint = fmt.Sprintf("did you mean %q? (%s)", best, f.Hint)
	}
	return f
}

// Closest returns the candidate within a small edit distance of s,
// compared without regard to case, or "" when none is close: the
// did-you-mean of every hint. A typo, a plural, a swapped pair of letters
// or a British/American spelling is one or two edits away; a word of four
// letters or fewer may be one edit off, and a candidate that needs as many
// edits as half the word is never offered (cost is not a misspelt os).
func Closest(s string, candidates []string) string {
	ls := strings.ToLower(s)
	maxD := 2
	if len(ls) <= 4 {
		maxD = 1
	}
	best, bestD := "", maxD+1
	for _, c := range candidates {
		lc := strings.ToLower(c)
		if d := editDistance(ls, lc); d < bestD && 2*d < max(len(ls), len(lc)) {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance of a and b
// (insertions, deletions, substitutions and swaps of adjacent bytes), 64
// for words longer than 64 bytes. It allocates nothing: it runs for every
// unknown field against every field allowed.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	var rows [3][65]int
	pp, prev, cur := &rows[0], &rows[1], &rows[2]
	for j := 0; j <= len(b); j++ {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], pp[j-2]+1)
			}
		}
		pp, prev, cur = prev, cur, pp
	}
	return prev[len(b)]
}
