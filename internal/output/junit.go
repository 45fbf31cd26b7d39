package output

import (
	"encoding/xml"
	"fmt"
	"io"
	"sort"
)

// JUnit writes one test suite per file, one failing test case per finding,
// and a passing case for a report with no findings. The XML is valid
// against Jenkins' junit-10.xsd (the strictest of the common schemas):
// every testsuite has name, tests, failures and errors (a finding is a
// failure; errors is always 0, as estate reports a run it could not make
// by its exit status, not as a test). Text values pass through TextSafe.
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
		Errors   int        `xml:"errors,attr"`
		Skipped  int        `xml:"skipped,attr"`
		File     string     `xml:"file,attr,omitempty"`
		Cases    []testcase `xml:"testcase"`
	}
	type suites struct {
		XMLName  xml.Name `xml:"testsuites"`
		Name     string   `xml:"name,attr"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Errors   int      `xml:"errors,attr"`
		Suites   []suite  `xml:"testsuite"`
	}
	byFile := map[string]*suite{}
	for _, f := range r.Findings {
		file := TextSafe(f.Pos.File)
		s := byFile[file]
		if s == nil {
			s = &suite{Name: file, File: file}
			byFile[file] = s
		}
		where, msg := TextSafe(f.Pos.String()), TextSafe(f.Message)
		text := where + ": " + msg
		if f.Hint != "" {
			text += "\nhint: " + TextSafe(f.Hint)
		}
		s.Cases = append(s.Cases, testcase{Name: fmt.Sprintf("%s %s", TextSafe(f.Rule), where), Classname: file,
			Failure: &failure{Message: msg, Type: f.Severity.String(), Text: text}})
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
