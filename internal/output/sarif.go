package output

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/estate-dev/estate/internal/record"
)

// MaxSARIFResults is the most results SARIF writes in one run: GitHub
// code scanning rejects a run with more. A larger report keeps its most
// severe findings as results of their own (then in report order), and
// summarises the others in one result per rule and control (per rule
// alone when there are more than maxSARIFGroups of those), each counting
// its findings and assets and naming the first assets; the run says so in
// a tool execution notification (level warning) and its properties
// resultsOmitted (findings without a result of their own),
// resultsSummarised (summary results) and findings. The json format
// always has every finding.
const MaxSARIFResults = 25000

// maxSARIFGroups bounds the summary results of a capped run.
const maxSARIFGroups = 1000

// SARIF writes a SARIF 2.1.0 log with one run, as GitHub code scanning
// and the SARIF Multitool's "Sarif;Gh" rules accept it:
//
//   - one rule per rule id, with a short and full description and help
//     (text and markdown: what the rule checks, the hint of its first
//     finding, a link to the documentation), its default level and tags;
//   - each result with its rule index, level, message, partial
//     fingerprints (estate/v1: a SHA-256 of rule, file, record, field and
//     control, so an alert survives lines moving and values changing; the
//     message counts only when nothing else names the finding) and its
//     properties (severity, record, field, control, owner, expected,
//     observed, evidence);
//   - a physical location with a percent-encoded (RFC 3986) relative URI
//     and a region (start line and column, end line; columns counted in
//     Unicode code points as YAML reports them) where the line is known;
//     a finding on a whole file is anchored at its line 1, where GitHub
//     would show it anyway (SARIF2017 wants a region). A finding that names no file
//     (a branch such as "main", a ref under refs/, a phrase) is located
//     by a logical location of that name instead, never as a file;
//   - the tool's version as a number: a version like v1.2.3 without its v,
//     and 0.0.0-dev (or 0.0.0-VERSION) for a build that has none;
//   - at most MaxSARIFResults results (see there).
func SARIF(w io.Writer, r Report, _ Options) error {
	findings := r.Findings
	var groups []*sarifGroup
	if len(findings) > MaxSARIFResults {
		findings, groups = sarifCap(r.Findings)
	}
	ruleIndex := map[string]int{}
	var rules []sarifRule
	results := make([]sarifResult, 0, len(findings)+len(groups))
	rule := func(f *record.Finding, level string) int {
		idx, ok := ruleIndex[f.Rule]
		if !ok {
			idx = len(rules)
			ruleIndex[f.Rule] = idx
			rules = append(rules, newSARIFRule(*f, level))
		} else if sarifRank(level) > sarifRank(rules[idx].DefaultConfiguration.Level) {
			rules[idx].DefaultConfiguration.Level = level
		}
		return idx
	}
	for i := range findings {
		f := &findings[i]
		level := sarifLevel(f.Severity)
		idx := rule(f, level)
		text := f.Message
		if f.Hint != "" {
			text += " (" + f.Hint + ")"
		}
		results = append(results, sarifResult{RuleID: f.Rule, RuleIndex: idx, Level: level, Message: sarifText{text},
			Locations:           []sarifLocation{sarifLocate(f.Pos)},
			PartialFingerprints: map[string]string{"estate/v1": fingerprint(*f)},
			Properties:          sarifProps(*f)})
	}
	omitted := 0
	for _, g := range groups {
		omitted += g.n
		level := sarifLevel(g.first.Severity)
		results = append(results, g.result(rule(&g.first, level), level))
	}
	if rules == nil {
		rules = []sarifRule{}
	}
	version := sarifVersion(r.Version)
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{Name: "estate", Version: version, SemanticVersion: version,
			InformationURI: "https://github.com/estate-dev/estate", Rules: rules}},
		Invocations: []sarifInvocation{{ExecutionSuccessful: true, Notifications: []sarifNotification{}}},
		ColumnKind:  "unicodeCodePoints",
		Results:     results,
	}
	if omitted > 0 {
		run.Invocations[0].Notifications = append(run.Invocations[0].Notifications, sarifNotification{
			Descriptor: sarifRef{ID: "estate/sarif-results-cap"}, Level: "warning",
			Message: sarifText{fmt.Sprintf("%d of %d findings are summarised, in %d results (one per rule and control): GitHub code scanning accepts at most %d results per run; the %d most severe findings are results of their own. Run with --format json for every finding.",
				omitted, len(r.Findings), len(groups), MaxSARIFResults, len(findings))}})
		run.Properties = map[string]any{"resultsOmitted": omitted, "resultsSummarised": len(groups), "findings": len(r.Findings)}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Version: "2.1.0", Schema: "https://json.schemastore.org/sarif-2.1.0.json", Runs: []sarifRun{run}})
}

type sarifLog struct {
	Version string     `json:"version"`
	Schema  string     `json:"$schema"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	ColumnKind  string            `json:"columnKind"`
	Results     []sarifResult     `json:"results"`
	Properties  map[string]any    `json:"properties,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name            string      `json:"name"`
	Version         string      `json:"version"`
	SemanticVersion string      `json:"semanticVersion"`
	InformationURI  string      `json:"informationUri"`
	Rules           []sarifRule `json:"rules"`
}

type sarifInvocation struct {
	ExecutionSuccessful bool                `json:"executionSuccessful"`
	Notifications       []sarifNotification `json:"toolExecutionNotifications"`
}

type sarifNotification struct {
	Descriptor sarifRef  `json:"descriptor"`
	Level      string    `json:"level"`
	Message    sarifText `json:"message"`
}

type sarifRef struct {
	ID string `json:"id"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifHelp struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown"`
}

type sarifRule struct {
	ID                   string    `json:"id"`
	Name                 string    `json:"name"`
	ShortDescription     sarifText `json:"shortDescription"`
	FullDescription      sarifText `json:"fullDescription"`
	Help                 sarifHelp `json:"help"`
	HelpURI              string    `json:"helpUri"`
	DefaultConfiguration struct {
		Level string `json:"level"`
	} `json:"defaultConfiguration"`
	Properties struct {
		Tags []string `json:"tags"`
	} `json:"properties"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          map[string]string `json:"properties"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation struct {
		URI string `json:"uri"`
	} `json:"artifactLocation"`
	Region *sarifRegion `json:"region,omitempty"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
	EndLine     int `json:"endLine"`
}

type sarifLogical struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

func sarifLevel(s record.Severity) string {
	switch {
	case s >= record.SevHigh:
		return "error"
	case s >= record.SevMedium:
		return "warning"
	}
	return "note"
}

func sarifRank(level string) int { return map[string]int{"note": 1, "warning": 2, "error": 3}[level] }

// sarifLocate places a finding: a file (with its line when known), or a
// logical location when Pos names no file.
func sarifLocate(p record.Pos) sarifLocation {
	if !isFile(p) {
		name := p.File
		if name == "" {
			name = "estate"
		}
		return sarifLocation{LogicalLocations: []sarifLogical{{Name: name, FullyQualifiedName: name, Kind: "resource"}}}
	}
	phys := &sarifPhysical{}
	phys.ArtifactLocation.URI = EncodeURIPath(p.File)
	phys.Region = &sarifRegion{StartLine: 1, EndLine: 1}
	if p.Line > 0 {
		phys.Region = &sarifRegion{StartLine: p.Line, StartColumn: p.Col, EndLine: p.Line}
	}
	return sarifLocation{PhysicalLocation: phys}
}

// isFile reports whether p names a file of the repository: it has a line,
// or a path that is not a git ref and has a folder or an extension. "main", "refs/estate/ledger" and "the default branch" are
// not files; "estate.yaml" and "schema/" are.
func isFile(p record.Pos) bool {
	f := p.File
	switch {
	case f == "":
		return false
	case p.Line > 0:
		return true
	case strings.HasPrefix(f, "refs/"):
		return false
	}
	return strings.ContainsAny(f, "/.")
}

// EncodeURIPath percent-encodes a slash-separated relative path as an
// RFC 3986 URI reference: every byte but the unreserved characters
// (ALPHA, DIGIT, "-", ".", "_", "~") and "/" becomes %XX, so that a
// colon cannot read as a scheme, nor "#" or "?" as a fragment or query.
func EncodeURIPath(p string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '.', c == '_', c == '~', c == '/':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

// fingerprint identifies a finding across runs: its rule, file, record,
// field and control, not its line or values (which move and change).
func fingerprint(f record.Finding) string {
	parts := []string{f.Rule, f.Pos.File, f.Record, f.Field, f.Control}
	if f.Record == "" && f.Field == "" && f.Control == "" {
		parts = append(parts, f.Message)
	}
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:16])
}

func sarifProps(f record.Finding) map[string]string {
	props := map[string]string{"severity": f.Severity.String()}
	for k, v := range map[string]string{"record": f.Record, "field": f.Field, "owner": f.Owner, "control": f.Control,
		"expected": f.Expected, "observed": f.Observed, "evidence": f.Evidence} {
		if v != "" {
			props[k] = v
		}
	}
	return props
}

// sarifVersion turns estate's version into one that starts with a number
// (SARIF2005) and is a semantic version.
func sarifVersion(v string) string {
	v = strings.TrimPrefix(v, "v")
	if v != "" && v[0] >= '0' && v[0] <= '9' {
		return v
	}
	clean := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return '-'
	}, v)
	clean = strings.Trim(clean, "-.")
	if clean == "" {
		clean = "dev"
	}
	return "0.0.0-" + clean
}

func newSARIFRule(f record.Finding, level string) sarifRule {
	doc := ruleDoc(f.Rule)
	r := sarifRule{ID: f.Rule, Name: ruleName(f.Rule), ShortDescription: sarifText{doc.short}, HelpURI: doc.uri}
	r.FullDescription = sarifText{doc.full}
	text, md := doc.full, MarkdownCell(doc.full)
	if f.Hint != "" {
		text += "\n\nHint (from the first finding): " + f.Hint
		md += "\n\n**Hint** (from the first finding): " + MarkdownCell(f.Hint)
	}
	text += "\n\nDocumentation: " + doc.uri
	md += "\n\n[Documentation](" + doc.uri + ")"
	r.Help = sarifHelp{Text: text, Markdown: md}
	r.DefaultConfiguration.Level = level
	tag, _, _ := strings.Cut(f.Rule, "/")
	r.Properties.Tags = []string{"estate", tag}
	return r
}

// ruleName is a rule id in PascalCase after "Estate" ("audit/bad-fact" →
// EstateAuditBadFact), as SARIF's reportingDescriptor.name suggests; never
// the id itself (SARIF1001).
func ruleName(id string) string {
	var b strings.Builder
	b.WriteString("Estate")
	up := true
	for _, c := range id {
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9':
			if up && c >= 'a' && c <= 'z' {
				c -= 'a' - 'A'
			}
			b.WriteRune(c)
			up = false
		default:
			up = true
		}
	}
	return b.String()
}
