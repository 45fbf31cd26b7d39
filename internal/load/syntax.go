package load

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// A YAML syntax error from yaml.v3 names a line, often not the one at
// fault, and never a column. diagnose looks at the text for the common
// mistakes and returns where the mistake is and what to do about it; at
// worst the first character of the line named.

// noSpaceAfterColon is a key followed by a colon and then a value with
// no space between (status:deployed): YAML reads it as one plain word.
var noSpaceAfterColon = regexp.MustCompile(`^\s*(- )?[A-Za-z_][A-Za-z0-9_.-]*:[^\s:/]`)

// diagnose returns the line and column (1-based) of the mistake behind
// yaml.v3's message msg (which named line, 0 for none) and a hint, or
// zeros and "" when it does not recognize the mistake.
func diagnose(data []byte, msg string, line int) (int, int, string) {
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	// A tab in the indentation, wherever it is: YAML never allows one.
	if strings.Contains(msg, "tab character") || strings.Contains(msg, "cannot start any token") || strings.Contains(msg, "found character") {
		for i, l := range lines {
			indent := l[:len(l)-len(strings.TrimLeft(l, " \t"))]
			if j := strings.IndexByte(indent, '\t'); j >= 0 {
				return i + 1, j + 1, "indent with spaces: YAML does not allow tabs in indentation"
			}
		}
	}
	if m := regexp.MustCompile(`unknown anchor '(.*)' referenced`).FindStringSubmatch(msg); m != nil {
		for i, l := range lines {
			if j := strings.Index(l, "*"+m[1]); j >= 0 {
				return i + 1, utf8.RuneCountInString(l[:j]) + 1, "define the anchor (&" + m[1] + ") before the alias, or write the value out"
			}
		}
	}
	if strings.Contains(msg, "end of stream") || strings.Contains(msg, "quoted scalar") {
		if l, c, ok := unclosedQuote(lines); ok {
			return l, c, "close the quoted value: it runs on to the end of the file"
		}
	}
	from := max(line-1, 1)
	for i := from - 1; i < len(lines) && line > 0 && i <= line; i++ {
		if loc := noSpaceAfterColon.FindStringIndex(lines[i]); loc != nil && !strings.Contains(lines[i][:loc[1]], "#") {
			return i + 1, utf8.RuneCountInString(lines[i][:loc[1]-1]), "put a space after the colon: key: value"
		}
	}
	if l, c, hint, ok := badIndent(lines); ok {
		return l, c, hint
	}
	if strings.Contains(msg, "mapping values are not allowed") {
		for i := max(line, 1) - 1; i < len(lines); i++ {
			if _, v, ok := strings.Cut(lines[i], ": "); ok && strings.Contains(v, ": ") && !strings.ContainsAny(v[:1], `"'`) {
				j := strings.Index(lines[i], ": ") + 2 + strings.Index(v, ": ")
				return i + 1, utf8.RuneCountInString(lines[i][:j]) + 1, `a value holding ": " must be quoted (title: "a: b")`
			}
			if line == 0 {
				continue
			}
			break
		}
	}
	if line > 0 && line <= len(lines) {
		l := lines[line-1]
		return line, utf8.RuneCountInString(l[:len(l)-len(strings.TrimLeft(l, " "))]) + 1, ""
	}
	return 0, 0, ""
}

// unclosedQuote finds a value that opens a quote and never closes it on
// its line (a quoted value may span lines, but in a record it does not).
func unclosedQuote(lines []string) (int, int, bool) {
	for i, l := range lines {
		t := strings.TrimLeft(l, " ")
		if strings.HasPrefix(t, "#") {
			continue
		}
		start := 0
		if k := strings.Index(t, ": "); k >= 0 {
			start = k + 2
		} else if strings.HasPrefix(t, "- ") {
			start = 2
		}
		v := strings.TrimLeft(t[start:], " ")
		if v == "" || (v[0] != '"' && v[0] != '\'') {
			continue
		}
		q := v[0]
		closed := false
		for j := 1; j < len(v); j++ {
			if q == '"' && v[j] == '\\' {
				j++
				continue
			}
			if v[j] == q {
				if q == '\'' && j+1 < len(v) && v[j+1] == '\'' {
					j++
					continue
				}
				closed = true
				break
			}
		}
		if !closed {
			col := len(l) - len(t) + start + (len(t[start:]) - len(v))
			return i + 1, utf8.RuneCountInString(l[:col]) + 1, true
		}
	}
	return 0, 0, false
}

// badIndent finds the first line indented to a column no open mapping or
// list uses (a field dedented by one space), or indented under a line
// that opens nothing (a field indented by mistake).
func badIndent(lines []string) (int, int, string, bool) {
	stack := []int{0}
	opens := false // the line before ends with ":" or is a "- " item
	for i, l := range lines {
		t := strings.TrimLeft(l, " ")
		if t == "" || strings.HasPrefix(t, "#") || strings.HasPrefix(t, "---") {
			continue
		}
		ind := len(l) - len(t)
		top := stack[len(stack)-1]
		switch {
		case ind > top && opens:
			stack = append(stack, ind)
		case ind > top:
			return i + 1, ind + 1, "this line is indented more than the field above it: fields of one mapping start in the same column", true
		case ind < top:
			for len(stack) > 1 && stack[len(stack)-1] > ind {
				stack = stack[:len(stack)-1]
			}
			if stack[len(stack)-1] != ind {
				return i + 1, ind + 1, "this line is indented to no field's column: line it up with the fields of its mapping", true
			}
		}
		body := strings.TrimSpace(strings.SplitN(t, " #", 2)[0])
		opens = strings.HasSuffix(body, ":") || strings.HasPrefix(t, "- ") || body == "-"
		if strings.HasPrefix(t, "- ") {
			// The item's own fields start after the dash.
			if rest := strings.TrimLeft(t[2:], " "); rest != "" && strings.Contains(rest, ": ") || strings.HasSuffix(rest, ":") {
				stack = append(stack, ind+len(t)-len(rest))
				opens = strings.HasSuffix(body, ":")
			}
		}
	}
	return 0, 0, "", false
}
