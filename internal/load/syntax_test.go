package load_test

import (
	"strings"
	"testing"

	"github.com/estate-dev/estate/internal/load"
)

// TestSyntaxErrorsPlaced: the common YAML mistakes are reported at the
// line AND column of the mistake, with a hint that says what to do.
func TestSyntaxErrorsPlaced(t *testing.T) {
	head := "apiVersion: estate/v1\nkind: Asset\n"
	for _, c := range []struct {
		name, data string
		line, col  int
		hint       string
	}{
		{"tab indentation", head + "purchase:\n\tcost: 1\n", 4, 1, "indent with spaces"},
		{"tab after a field", head + "id: LT-1\n\tclass: laptop\n", 4, 1, "indent with spaces"},
		{"no space after the colon", head + "id: LT-1\nstatus:deployed\nclass: laptop\n", 4, 7, "put a space after the colon"},
		{"unclosed double quote", head + "id: LT-1\nnotes: \"a note\nclass: laptop\n", 4, 8, "close the quoted value"},
		{"unclosed single quote", head + "id: LT-1\nnotes: 'a note\nclass: laptop\n", 4, 8, "close the quoted value"},
		{"indented too far", head + "id: LT-1\n  class: laptop\n", 4, 3, "indented more than the field above it"},
		{"dedented by one", head + "purchase:\n  date: 2024-01-01\n cost: 1\n", 5, 2, "indented to no field's column"},
		{"a value holding colon space", head + "id: LT-1\nnotes: see: the wiki\n", 4, 11, `must be quoted`},
		{"unknown anchor", head + "id: LT-1\nnotes: *nowhere\n", 4, 8, "define the anchor (&nowhere)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, fs := load.Parse("f.yaml", []byte(c.data))
			if len(fs) != 1 {
				t.Fatalf("findings %v, want one", fs)
			}
			f := fs[0]
			if f.Pos.Line != c.line || f.Pos.Col != c.col || !strings.Contains(f.Hint, c.hint) {
				t.Errorf("%d:%d %s (hint %q); want %d:%d with a hint saying %q", f.Pos.Line, f.Pos.Col, f.Message, f.Hint, c.line, c.col, c.hint)
			}
		})
	}
}

func TestClosest(t *testing.T) {
	allowed := []string{"id", "os", "class", "status", "serial", "purchase", "cost", "change"}
	for in, want := range map[string]string{
		"serail":  "serial", // two letters swapped: one edit
		"Status":  "status",
		"chnage":  "change",
		"cots":    "cost",
		"clas":    "class",
		"ownr":    "", // nothing near
		"cst":     "cost",
		"xy":      "", // "id" and "os" are two edits away: half the word
		"purpose": "", // three edits from purchase
		"co":      "", // one edit from os is half of it
	} {
		if got := load.Closest(in, allowed); got != want {
			t.Errorf("Closest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStray(t *testing.T) {
	for _, c := range []struct {
		data string
		want bool
	}{
		{"apiVersion: estate/v1\nkind: Asset\nid: LT-1\n", true},
		{"kind: Asset\nid: LT-1\n", true},               // no apiVersion: still a record
		{"apiVersion: estate/v1\nkind: Facts\n", false}, // facts are not records
		{"apiVersion: v1\nkind: Deployment\n", false},   // another tool's
		{"kind: Deployment\n", false},                   // another tool's
		{"name: CI\non: [push]\njobs: {}\n", false},     // a workflow
		{"apiVersion: estate/v1\nkind: Widget\n", true}, // estate's, of an unknown kind
		{"not: [valid\n", false},                        // not YAML: not ours to judge
	} {
		f, got := load.Stray("assets/x.yaml", []byte(c.data))
		if got != c.want || got && (f.Rule != load.RuleLayout || f.Pos.Line != 1) {
			t.Errorf("Stray(%q) = %v %+v, want %v", c.data, got, f, c.want)
		}
	}
}
