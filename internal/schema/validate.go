package schema

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/errors"
	"gopkg.in/yaml.v3"

	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/record"
)

// RuleSchema is the rule name of schema findings.
const RuleSchema = "schema"

// recycleAfter is how many documents a Validator checks before it starts a
// fresh cue.Context: a long-lived context only grows.
const recycleAfter = 2000

// Validator checks documents against a Schema. It is not safe for
// concurrent use: give each goroutine its own.
type Validator struct {
	s    *Schema
	ctx  *cue.Context
	defs map[record.Kind]cue.Value
	n    int
	// noNative makes every document go through CUE (for tests and
	// measurements of the CUE route).
	noNative bool
}

// CUEOnly makes v evaluate every document with CUE, skipping the native
// pre-check.
func (v *Validator) CUEOnly() { v.noNative = true }

// NewValidator returns a validator with its own CUE context.
func (s *Schema) NewValidator() *Validator {
	v := &Validator{s: s}
	v.reset()
	return v
}

func (v *Validator) reset() {
	v.ctx = cuecontext.New()
	root, err := v.s.build(v.ctx)
	if err != nil {
		panic("schema: compiled once, failed again: " + err.Error())
	}
	v.defs = map[record.Kind]cue.Value{}
	for _, k := range append(record.Kinds, record.KindFacts) {
		v.defs[k] = root.LookupPath(cue.ParsePath("#" + string(k)))
	}
	v.n = 0
}

// Validate checks value (from load.Value) as a record of kind k. root is
// the YAML node value came from, used to place findings; file names them.
func (v *Validator) Validate(k record.Kind, value any, file string, root *yaml.Node) []record.Finding {
	def, ok := v.defs[k]
	if !ok {
		return []record.Finding{{Pos: record.Pos{File: file, Line: root.Line, Col: root.Column}, Rule: RuleSchema,
			Severity: record.SeverityError, Message: fmt.Sprintf("unknown kind %q", k)}}
	}
	if n := v.s.natives["#"+string(k)]; n != nil && !v.noNative && n.ok(value) {
		return nil
	}
	if v.n++; v.n > recycleAfter {
		v.reset()
		def = v.defs[k]
	}
	// Unknown fields are found in one walk and taken out before CUE
	// reports them: its cost for them grows with the square of their
	// number. A small document goes to CUE first (most are valid, and the
	// walk would only add to their cost); a big one is walked first.
	var out []record.Finding
	seen := map[string]bool{}
	copied := false
	takeUnknown := func() bool {
		pre := unknownFields(def, root, file)
		if len(pre) == 0 {
			return false
		}
		if !copied {
			value, copied = deepCopy(value), true
		}
		for _, l := range pre {
			seen[strings.Join(l.sels, "\x00")] = true
			out = append(out, l.f)
			remove(value, l.sels)
		}
		return true
	}
	big := keysOver(root, smallDocument)
	if big {
		takeUnknown()
	}
	err := def.Unify(v.ctx.Encode(value)).Validate(cue.Concrete(true))
	if err != nil && !big && takeUnknown() {
		err = def.Unify(v.ctx.Encode(value)).Validate(cue.Concrete(true))
	}
	if err == nil {
		return out
	}
	// CUE reports one class of error at a time (an unknown field hides a
	// missing one), so take out what was reported and look again, to
	// report every problem of the record in one run.
	if !copied {
		value = deepCopy(value)
	}
	for round := 0; err != nil && round < 8; round++ {
		progress := false
		for _, l := range v.findings(def, err, file, root) {
			key := strings.Join(l.sels, "\x00")
			if seen[key] {
				continue
			}
			seen[key] = true
			if !l.quiet {
				out = append(out, l.f)
			}
			progress = remove(value, l.sels) || progress
		}
		if !progress {
			break
		}
		err = def.Unify(v.ctx.Encode(value)).Validate(cue.Concrete(true))
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Pos.Line != out[j].Pos.Line {
			return out[i].Pos.Line < out[j].Pos.Line
		}
		return out[i].Pos.Col < out[j].Pos.Col
	})
	return out
}

// smallDocument is the number of keys up to which a document goes to CUE
// before its unknown fields are looked for (a record has a few dozen).
const smallDocument = 256

// keysOver reports whether the mapping keys under n number more than max,
// counting no further.
func keysOver(n *yaml.Node, max int) bool {
	count := 0
	var walk func(n *yaml.Node) bool
	walk = func(n *yaml.Node) bool {
		if n.Kind == yaml.MappingNode {
			if count += len(n.Content) / 2; count > max {
				return true
			}
		}
		for _, c := range n.Content {
			if walk(c) {
				return true
			}
		}
		return false
	}
	return walk(n)
}

func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, e := range v {
			s[i] = deepCopy(e)
		}
		return s
	}
	return v
}

// remove deletes the map field nearest to the path sels in v (a list
// element takes its whole list with it) and reports whether anything was
// removed.
func remove(v any, sels []string) bool {
	if len(sels) == 0 {
		return false
	}
	var parent map[string]any
	key := ""
	cur := v
	for _, sel := range sels {
		switch c := cur.(type) {
		case map[string]any:
			next, ok := c[sel]
			if !ok {
				if parent == nil {
					return false
				}
				delete(parent, key)
				return true
			}
			parent, key, cur = c, sel, next
		case []any:
			i, err := strconv.Atoi(sel)
			if err != nil || i < 0 || i >= len(c) {
				break
			}
			cur = c[i]
		default:
			if parent != nil {
				delete(parent, key)
				return true
			}
			return false
		}
	}
	if parent == nil {
		return false
	}
	delete(parent, key)
	return true
}

// located is a finding with the path of the field it is about, as the
// labels of the YAML document (a key may hold a dot or a space).
type located struct {
	f    record.Finding
	sels []string
	// quiet: taken out of the document, but said by another finding
	quiet bool
}

// findings turns CUE's errors into one finding per field path, in the
// words of someone who edits YAML, not CUE.
func (v *Validator) findings(def cue.Value, err error, file string, root *yaml.Node) []located {
	byPath := map[string][]errors.Error{}
	selsOf := map[string][]string{}
	var order []string
	for _, e := range errors.Errors(err) {
		sels := labels(e.Path())
		p := strings.Join(sels, "\x00")
		if _, seen := byPath[p]; !seen {
			order = append(order, p)
			selsOf[p] = sels
		}
		byPath[p] = append(byPath[p], e)
	}
	// A check that fails a matchN (exactly one of fact or package, one
	// operator) is one finding on the check; the "required but not
	// present" of each alternative that did not match is not news.
	oneOf := map[string]bool{}
	for _, p := range order {
		for _, e := range byPath[p] {
			if strings.Contains(rawMessage([]errors.Error{e}), "does not satisfy matchN") {
				oneOf[p] = true
			}
		}
	}
	var out []located
	for _, p := range order {
		sels := selsOf[p]
		if len(sels) > 0 && oneOf[strings.Join(sels[:len(sels)-1], "\x00")] {
			if strings.Contains(rawMessage(byPath[p]), "required but not present") {
				continue
			}
		}
		if oneOf[p] {
			// Counted right, the check failed its matchN for another
			// reason (an unknown fact path) that is reported on its own.
			// It is taken out all the same, so that the next round
			// can see what it hid.
			f, ok := checkFinding(sels, file, root)
			out = append(out, located{f: f, sels: sels, quiet: !ok})
			continue
		}
		out = append(out, located{f: explain(def, sels, byPath[p], file, root), sels: sels})
	}
	return out
}

// checkOperators are a check's operators, as a person writes them.
var checkOperators = []string{"equals", "one_of", "version", "min", "max", "matches", "present", "absent", "max_age"}

// checkFinding says what is wrong with a baseline check that is not
// exactly one reading with exactly one operator (#Check's matchN), or
// false when it is.
func checkFinding(sels []string, file string, root *yaml.Node) (record.Finding, bool) {
	n, _ := load.FindPath(root, sels)
	f := record.Finding{Pos: record.Pos{File: file, Line: n.Line, Col: n.Column}, Rule: RuleSchema,
		Severity: record.SeverityError, Field: strings.Join(sels, "."),
		Hint: "a check reads one fact or one package with one operator: equals, one_of, version, min and/or max, matches, present, absent or max_age"}
	var reads, ops []string
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			switch k := n.Content[i].Value; {
			case k == "fact" || k == "package":
				reads = append(reads, k)
			case (k == "max" || k == "min") && (slices.Contains(ops, "min") || slices.Contains(ops, "max")):
				ops[max(slices.Index(ops, "min"), slices.Index(ops, "max"))] = "min/max"
			case slices.Contains(checkOperators, k):
				ops = append(ops, k)
			}
		}
	}
	var probs []string
	switch len(reads) {
	case 0:
		probs = append(probs, "reads neither a fact nor a package")
	case 2:
		probs = append(probs, "reads both a fact and a package")
	}
	switch len(ops) {
	case 0:
		probs = append(probs, "has no operator")
	case 1:
	default:
		probs = append(probs, fmt.Sprintf("has %d operators (%s)", len(ops), strings.Join(ops, ", ")))
	}
	if len(probs) == 0 {
		return f, false
	}
	f.Message = f.Field + ": the check " + strings.Join(probs, " and ")
	return f, true
}

// labels turns CUE's selectors into the keys of the YAML document: the
// definition is dropped and quoted labels ("purchase.cost", "", "0") are
// unquoted.
func labels(sels []string) []string {
	if len(sels) > 0 && strings.HasPrefix(sels[0], "#") {
		sels = sels[1:]
	}
	out := make([]string, len(sels))
	for i, s := range sels {
		if strings.HasPrefix(s, `"`) {
			if u, err := strconv.Unquote(s); err == nil {
				s = u
			}
		}
		out[i] = s
	}
	return out
}

func explain(def cue.Value, sels []string, errs []errors.Error, file string, root *yaml.Node) (f record.Finding) {
	path := strings.Join(sels, ".")
	name, parent := "", []string(nil)
	if len(sels) > 0 {
		name, parent = sels[len(sels)-1], sels[:len(sels)-1]
	}
	f = record.Finding{Rule: RuleSchema, Severity: record.SeverityError, Field: path}
	defer func() {
		// A secret pasted as a key or into a value is never repeated.
		f.Message, f.Hint, f.Field = load.Redact(f.Message), load.Redact(f.Hint), load.Redact(f.Field)
	}()
	node, found := load.FindPath(root, sels)
	f.Pos = record.Pos{File: file, Line: node.Line, Col: node.Column}
	msg := rawMessage(errs)
	field := path
	if field == "" {
		field = "the record"
	}
	got := ""
	if found && node.Kind == yaml.ScalarNode {
		got = quoteValue(node)
		if load.LooksSecret(node.Value) {
			// The secret layer reports it; never repeat it.
			got = "the value (not shown: it looks like a secret)"
		}
	}
	switch {
	case strings.Contains(msg, "field not allowed"):
		key, _ := load.FindKeyPath(root, sels)
		f.Pos = record.Pos{File: file, Line: key.Line, Col: key.Column}
		f.Message = fmt.Sprintf("unknown field %q", name)
		allowed := fieldNames(def, parent)
		if s := load.Closest(name, allowed); s != "" {
			f.Hint = fmt.Sprintf("did you mean %q?", s)
		} else if len(allowed) > 0 {
			f.Hint = "allowed here: " + strings.Join(allowed, ", ")
		}
	case !found || strings.Contains(msg, "incomplete value") || strings.Contains(msg, "required but not present"):
		f.Message = fmt.Sprintf("missing required field %q", name)
		if len(parent) > 0 {
			f.Message += " in " + strings.Join(parent, ".")
		}
		if alts := literals(schemaAt(def, sels)); len(alts) > 0 {
			f.Hint = "one of: " + strings.Join(alts, ", ")
		}
	default:
		schemaField := schemaAt(def, sels)
		if alts := literals(schemaField); len(alts) > 0 {
			f.Message = fmt.Sprintf("%s: %s is not allowed", field, got)
			f.Hint = "one of: " + strings.Join(alts, ", ")
			if s := load.Closest(strings.Trim(got, `"`), unquote(alts)); s != "" {
				f.Hint = fmt.Sprintf("did you mean %q? (%s)", s, f.Hint)
			}
			break
		}
		if fixed := concrete(schemaField); fixed != "" && got != "" && strings.Contains(msg, "conflicting values") {
			// e.g. apiVersion: estate/v2 where the schema fixes estate/v1
			f.Message = fmt.Sprintf("%s: %s is not allowed", field, got)
			f.Hint = "it must be " + fixed
			break
		}
		f.Message = fmt.Sprintf("%s: %s", field, humanize(msg, got, typeOf(node, found)))
		if strings.Contains(msg, "time.Format") {
			f.Message = fmt.Sprintf("%s: %s is not a date written as YYYY-MM-DD", field, got)
		} else if strings.Contains(msg, "time.Time") {
			f.Message = fmt.Sprintf("%s: %s is not a time in RFC 3339 form (e.g. 2026-11-25T18:00:00Z)", field, got)
		}
		if found && node.Kind == yaml.ScalarNode && node.Style == 0 && (node.Tag == "!!float" || node.Tag == "!!int") &&
			strings.Contains(msg, "string") {
			f.Hint = "YAML read this as a number; quote it to make it text"
		}
	}
	return f
}

func rawMessage(errs []errors.Error) string {
	var parts []string
	for _, e := range errs {
		format, args := e.Msg()
		parts = append(parts, fmt.Sprintf(format, args...))
	}
	return strings.Join(parts, "; ")
}

var mismatch = strings.NewReplacer("mismatched types", "expected", "conflicting values", "conflicting values")

// humanize reworks CUE's common phrasings.
func humanize(msg, got, gotType string) string {
	first := msg
	if i := strings.Index(first, "; "); i > 0 {
		first = first[:i]
	}
	switch {
	case strings.Contains(first, "mismatched types"):
		i := strings.Index(first, "(mismatched types ")
		if i >= 0 {
			ts := strings.TrimSuffix(first[i+len("(mismatched types "):], ")")
			parts := strings.SplitN(ts, " and ", 2)
			if len(parts) == 2 {
				want := parts[0]
				if want == gotType {
					want = parts[1]
				}
				if got == "" {
					got = "the value"
				}
				return fmt.Sprintf("%s is a %s, want a %s", got, word(gotType), word(want))
			}
		}
	case strings.Contains(first, "does not match"):
		if i := strings.Index(first, "=~"); i >= 0 {
			return fmt.Sprintf("%s does not match the pattern %s", got, strings.TrimSuffix(first[i+2:], ")"))
		}
		return fmt.Sprintf("%s does not have the required form", got)
	case strings.Contains(first, "invalid value"):
		if i := strings.Index(first, "(out of bound "); i >= 0 {
			bound := strings.TrimSuffix(first[i+len("(out of bound "):], ")")
			switch {
			case bound == `!=""`:
				return "must not be empty"
			case strings.HasPrefix(bound, "=~"):
				return fmt.Sprintf("%s does not match the pattern %s", got, bound[2:])
			case strings.HasPrefix(bound, "!~"):
				return fmt.Sprintf("%s must not match the pattern %s", got, bound[2:])
			}
			return fmt.Sprintf("%s must be %s", got, bound)
		}
	}
	return mismatch.Replace(first)
}

func typeOf(n *yaml.Node, found bool) string {
	if !found {
		return ""
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "struct"
	case yaml.SequenceNode:
		return "list"
	}
	switch n.ShortTag() {
	case "!!int":
		return "int"
	case "!!float":
		return "float"
	case "!!bool":
		return "bool"
	case "!!null":
		return "null"
	}
	return "string"
}

func word(t string) string {
	switch t {
	case "int":
		return "whole number"
	case "float", "number":
		return "number"
	case "bool":
		return "boolean (true or false)"
	case "struct":
		return "mapping"
	case "list":
		return "list"
	case "null":
		return "null"
	}
	return t
}

func quoteValue(n *yaml.Node) string {
	if n.Tag == "!!str" || n.Style != 0 {
		return strconv.Quote(n.Value)
	}
	return n.Value
}

// schemaAt returns the schema of the field at a dotted path (list
// indexes select the list's element type), looking through optional
// fields: e.g. [purchase cost], [exemptions 0 change], [controls 0 check].
func schemaAt(def cue.Value, sels []string) cue.Value {
	v := def
	for _, sel := range sels {
		if _, err := strconv.Atoi(sel); err == nil {
			v = v.LookupPath(cue.MakePath(cue.AnyIndex))
			continue
		}
		next := v.LookupPath(cue.MakePath(cue.Str(sel)))
		if !next.Exists() {
			next = v.LookupPath(cue.MakePath(cue.Str(sel).Optional()))
		}
		v = next
	}
	return v
}

// fieldNames lists the fields a schema struct declares at the path sels.
func fieldNames(def cue.Value, sels []string) []string {
	it, err := schemaAt(def, sels).Fields(cue.Optional(true))
	if err != nil {
		return nil
	}
	var out []string
	for it.Next() {
		out = append(out, it.Selector().Unquoted())
	}
	return out
}

// literals lists the concrete alternatives of a disjunction of literals
// (e.g. a status), or nil when the schema field is not such a disjunction.
func literals(v cue.Value) []string {
	if !v.Exists() {
		return nil
	}
	op, args := cue.Dereference(v).Expr()
	if op == cue.AndOp {
		// e.g. #Currency & ("GBP" | "EUR") from a repository's schema/*.cue
		for _, a := range args {
			if out := literals(a); out != nil {
				return out
			}
		}
		return nil
	}
	if op != cue.OrOp {
		return nil
	}
	var out []string
	for _, a := range args {
		if !a.IsConcrete() {
			return nil
		}
		switch a.Kind() {
		case cue.StringKind, cue.IntKind, cue.FloatKind, cue.BoolKind:
			out = append(out, fmt.Sprint(a))
		default:
			return nil
		}
	}
	return out
}

// concrete returns the one value a schema field allows (a fixed string,
// number or boolean), or "" when it allows more than one.
func concrete(v cue.Value) string {
	if !v.Exists() || !v.IsConcrete() {
		return ""
	}
	switch v.Kind() {
	case cue.StringKind, cue.IntKind, cue.FloatKind, cue.BoolKind:
		return fmt.Sprint(v)
	}
	return ""
}

func unquote(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.Trim(s, `"`)
	}
	return out
}
