package rules

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/estate-dev/estate/internal/record"
)

// BuiltinID is the built-in id rule, the #ID of schema/common.cue: letters,
// digits, '.', '_' and '-', starting with a letter or digit, at most 64
// characters, never "..". The CUE schema stays the authority (a test keeps
// the two equal); this copy lets a command refuse a bad id before it
// builds anything.
var BuiltinID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// DefaultChangeID is the form estate change new gives a change request id
// when estate.yaml sets no ids.change: CR-<year>-<number of 4 to 6
// digits>. It is a default for making ids, not a rule: validate accepts
// any id of the built-in form.
var DefaultChangeID = regexp.MustCompile(`^CR-[0-9]{4}-[0-9]{4,6}$`)

// IDPatterns are an estate's id rules, the one source of truth for the
// validate rule id-pattern, the record writer (internal/store), the
// importer and change new: estate.yaml's ids: per kind, each on top of
// BuiltinID.
type IDPatterns struct {
	byKind map[record.Kind]*regexp.Regexp
}

// PatternError is a pattern of estate.yaml's ids: that is not a regular
// expression.
type PatternError struct {
	Kind    record.Kind
	Key     string // the key under ids:, e.g. "change"
	Pattern string
	Err     error
}

func (e *PatternError) Error() string {
	return fmt.Sprintf("estate.yaml: ids.%s %q is not a regular expression: %v", e.Key, e.Pattern, e.Err)
}

// CompileIDs compiles the id patterns s sets (s may be nil). A pattern
// that does not compile is left out and returned as a *PatternError.
func CompileIDs(s *record.Settings) (IDPatterns, []*PatternError) {
	p := IDPatterns{byKind: map[record.Kind]*regexp.Regexp{}}
	if s == nil || s.IDs == nil {
		return p, nil
	}
	var errs []*PatternError
	for _, k := range []struct {
		kind    record.Kind
		key, re string
	}{{record.KindAsset, "asset", s.IDs.Asset}, {record.KindLicence, "licence", s.IDs.Licence},
		{record.KindLocation, "location", s.IDs.Location}, {record.KindChangeRequest, "change", s.IDs.Change}} {
		if k.re == "" {
			continue
		}
		re, err := regexp.Compile(k.re)
		if err != nil {
			errs = append(errs, &PatternError{Kind: k.kind, Key: k.key, Pattern: k.re, Err: err})
			continue
		}
		p.byKind[k.kind] = re
	}
	return p, errs
}

// Pattern is estate.yaml's pattern for kind k, or nil when it sets none.
func (p IDPatterns) Pattern(k record.Kind) *regexp.Regexp { return p.byKind[k] }

// Check returns why id is not an id of kind k in this estate, or "".
func (p IDPatterns) Check(k record.Kind, id string) string {
	if !BuiltinID.MatchString(id) || strings.Contains(id, "..") {
		return fmt.Sprintf("%q is not an id: letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64, never '..'", id)
	}
	if re := p.byKind[k]; re != nil && !re.MatchString(id) {
		return fmt.Sprintf("id %q does not follow this estate's pattern %s", id, re)
	}
	return ""
}
