package people

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/estate-dev/estate/internal/core"
	"github.com/estate-dev/estate/internal/record"
)

// Columns are the CSV columns ReadCSV knows (case does not matter); email
// is required, the rest optional.
var Columns = []string{"email", "name", "github", "team", "manager", "location", "status", "left"}

var columnAliases = map[string]string{
	"email": "email", "e-mail": "email", "mail": "email", "id": "email",
	"name": "name", "full name": "name", "display name": "name",
	"github": "github", "github login": "github",
	"team": "team", "department": "team",
	"manager": "manager", "manager email": "manager",
	"location": "location", "status": "status", "left": "left", "left date": "left", "end date": "left",
}

// ReadCSVFile reads the people CSV at path (ReadCSV); a file that cannot
// be read, or is no people CSV, is a usage error naming it.
func ReadCSVFile(path string) ([]Input, []Problem, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, core.UsageError(fmt.Errorf("read %s: %w", path, err), "")
	}
	in, probs, err := ReadCSV(data)
	if err != nil {
		return nil, nil, core.UsageError(fmt.Errorf("%s:%w", path, err), "the header row names the columns: "+fmt.Sprint(Columns))
	}
	return in, probs, nil
}

// ReadCSV reads people from a CSV with a header row. A row that cannot
// be read is a Problem at its line and column, never skipped silently;
// the error means the file is not a people CSV at all.
func ReadCSV(data []byte) ([]Input, []Problem, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		return nil, nil, errors.New("the file is not UTF-8 text")
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("read the header row: %w", err)
	}
	col := map[string]int{}
	var probs []Problem
	for i, h := range head {
		k, ok := columnAliases[strings.ToLower(strings.TrimSpace(h))]
		if !ok {
			probs = append(probs, Problem{Line: 1, Column: i + 1, Severity: "warning", Reason: fmt.Sprintf("column %q is not imported (known: %s)", clip(h), strings.Join(Columns, ", "))})
			continue
		}
		if _, dup := col[k]; dup {
			return nil, nil, fmt.Errorf("1:%d: column %q repeats %s", i+1, clip(h), k)
		}
		col[k] = i
	}
	if _, ok := col["email"]; !ok {
		return nil, nil, fmt.Errorf("1:1: no email column (the columns are %s)", strings.Join(Columns, ", "))
	}
	var out []Input
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				probs = append(probs, Problem{Line: pe.Line, Column: pe.Column, Severity: "error", Reason: pe.Err.Error()})
				continue
			}
			return nil, nil, err
		}
		get := func(k string) (string, int) {
			i, ok := col[k]
			if !ok || i >= len(rec) {
				return "", 0
			}
			_, c := r.FieldPos(i)
			return strings.TrimSpace(rec[i]), c
		}
		email, _ := get("email")
		bad := func(k, why string) {
			_, c := get(k)
			probs = append(probs, Problem{Line: line, Column: c, ID: clip(email), Severity: "error", Reason: why})
		}
		p := record.Person{ID: strings.ToLower(email), Status: record.PersonActive}
		if !strings.Contains(email, "@") {
			bad("email", fmt.Sprintf("email %q is not an email address", clip(email)))
			continue
		}
		p.Name, _ = get("name")
		if p.Name == "" {
			p.Name = email
		}
		p.GitHub, _ = get("github")
		p.GitHub = strings.TrimPrefix(p.GitHub, "@")
		p.Team, _ = get("team")
		p.Manager, _ = get("manager")
		p.Location, _ = get("location")
		switch st, _ := get("status"); strings.ToLower(st) {
		case "", "active":
		case "leaver", "left", "inactive", "disabled":
			p.Status = record.PersonLeaver
		default:
			bad("status", fmt.Sprintf("status %q is not active or leaver", clip(st)))
			continue
		}
		if left, _ := get("left"); left != "" {
			if _, err := time.Parse(time.DateOnly, left); err != nil {
				bad("left", fmt.Sprintf("left %q is not a date (YYYY-MM-DD)", clip(left)))
				continue
			}
			p.Left = left
			p.Status = record.PersonLeaver
		}
		out = append(out, Input{Person: p, Line: line})
	}
	return out, probs, nil
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}
