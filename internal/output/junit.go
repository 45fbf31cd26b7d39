package output

import (
	"encoding/xml"
	"fmt"
	"io"
	"sort"
)

// JUnit writes one test suite per file, one failing test case per finding,
// and a passing case for a report with no findings.
func JUnit(w io.Writer, r Report, _ Options) error {
	type failure struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	}
	type testcase struct {
		Name      string   `xml:"name,attr"`
		Classname string   `xml:"classname,attr"`
		Failure   *failure `xml:"failure,omitempty"`
	}
	type suite struct {
		Name     string     `xml:"name,attr"`
		Tests    int        `xml:"tests,attr"`
		Failures int        `xml:"failures,attr"`
		Cases    []testcase `xml:"testcase"`
	}
	type suites struct {
		XMLName  xml.Name `xml:"testsuites"`
		Name     string   `xml:"name,attr"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Suites   []suite  `xml:"testsuite"`
	}
	byFile := map[string]*suite{}
	for _, f := range r.Findings {
		s := byFile[f.Pos.File]
		if s == nil {
			s = &suite{Name: f.Pos.File}
			byFile[f.Pos.File] = s
		}
		text := f.Pos.String() + ": " + f.Message
		if f.Hint != "" {
			text += "\nhint: " + f.Hint
		}
		s.Cases = append(s.Cases, testcase{Name: fmt.Sprintf("%s %s", f.Rule, f.Pos), Classname: f.Pos.File,
			Failure: &failure{Message: f.Message, Type: f.Severity.String(), Text: text}})
		s.Tests++
		s.Failures++
	}
	out := suites{Name: "estate " + r.Tool}
	files := make([]string, 0, len(byFile))
	for k := range byFile {
		files = append(files, k)
	}
	sort.Strings(files)
	for _, k := range files {
		out.Suites = append(out.Suites, *byFile[k])
		out.Tests += byFile[k].Tests
		out.Failures += byFile[k].Failures
	}
	if len(out.Suites) == 0 {
		out.Suites = []suite{{Name: "estate " + r.Tool, Tests: 1, Cases: []testcase{{Name: "no problems found", Classname: "estate"}}}}
		out.Tests = 1
	}
	io.WriteString(w, xml.Header)
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
