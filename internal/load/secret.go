package load

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/estate-dev/estate/internal/record"
)

// secretPatterns match secrets by their shape anywhere in a file,
// comments included.
// Each has literal needles: the regexp runs only on a file that holds one
// of them, which keeps the scan cheap on the hot path.
var secretPatterns = []struct {
	what    string
	needles []string
	re      *regexp.Regexp
}{
	{"a private key", []string{"PRIVATE KEY"}, regexp.MustCompile(`-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----`)},
	{"an AWS access key", []string{"AKIA", "ASIA"}, regexp.MustCompile(`\b(AKIA|ASIA)[0-9A-Z]{16}\b`)},
	{"a GitHub token", []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"},
		regexp.MustCompile(`\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,}\b|\bgithub_pat_[A-Za-z0-9_]{40,}\b`)},
	{"a Slack token", []string{"xox"}, regexp.MustCompile(`\bxox[baprs]-[A-Za-z0-9-]{10,}\b`)},
}

// secretKeys are field names that only ever hold a secret.
var secretKeys = map[string]bool{
	"password": true, "passwd": true, "pwd": true, "secret": true, "client_secret": true,
	"token": true, "api_key": true, "apikey": true, "private_key": true, "access_key": true,
	"secret_key": true, "passphrase": true, "pin": true, "recovery_key": true, "bitlocker_key": true,
}

// Secrets reports secrets pasted into a record: values shaped like keys or
// tokens (anywhere in data) and fields whose name says they hold one. The
// secret itself is never repeated in the message.
func Secrets(file string, data []byte, root *yaml.Node) []record.Finding {
	var out []record.Finding
	for _, p := range secretPatterns {
		found := false
		for _, n := range p.needles {
			found = found || bytes.Contains(data, []byte(n))
		}
		if !found {
			continue
		}
		if loc := p.re.FindIndex(data); loc != nil {
			line, col := lineCol(data, loc[0])
			out = append(out, secretFinding(file, line, col, fmt.Sprintf("this looks like %s", p.what)))
		}
	}
	if root != nil {
		walkKeys(root, 0, func(k *yaml.Node) {
			if secretKeys[strings.ToLower(strings.ReplaceAll(k.Value, "-", "_"))] {
				out = append(out, secretFinding(file, k.Line, k.Column, fmt.Sprintf("field %q holds a secret", k.Value)))
			}
		})
	}
	return out
}

// LooksSecret reports whether s holds something shaped like a key or
// token, so that messages about a value can avoid repeating it.
func LooksSecret(s string) bool {
	for _, p := range secretPatterns {
		for _, n := range p.needles {
			if strings.Contains(s, n) && p.re.MatchString(s) {
				return true
			}
		}
	}
	return false
}

// Redact replaces whatever in s is shaped like a key or token with a
// note that it is not shown. Messages that quote a value pass through it,
// so that a secret pasted where an id or a name belongs is not repeated.
func Redact(s string) string {
	for _, p := range secretPatterns {
		for _, n := range p.needles {
			if strings.Contains(s, n) {
				s = p.re.ReplaceAllString(s, "[a secret, not shown]")
				break
			}
		}
	}
	return s
}

func secretFinding(file string, line, col int, msg string) record.Finding {
	return record.Finding{Pos: record.Pos{File: file, Line: line, Col: col}, Rule: RuleSecret,
		Severity: record.SeverityError, Message: msg + "; secrets must never be committed to the estate",
		Hint: "remove it, keep it in a secrets manager, and rotate it: it is in the git history now"}
}

func walkKeys(n *yaml.Node, depth int, fn func(*yaml.Node)) {
	if depth > 100 {
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			fn(n.Content[i])
			walkKeys(n.Content[i+1], depth+1, fn)
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			walkKeys(c, depth+1, fn)
		}
	}
}
