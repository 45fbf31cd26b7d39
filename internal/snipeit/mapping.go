package snipeit

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Mapping says how Snipe-IT values become estate values. The zero value is
// not useful: start from DefaultMapping.
type Mapping struct {
	// Status maps a Snipe-IT status label (compared case-insensitively,
	// spaces collapsed) to a lifecycle state.
	Status map[string]string `yaml:"status"`
	// Category maps a Snipe-IT category to an asset class; a category no
	// entry names falls back to keywords (laptop, desktop, phone, ...) and
	// then to "other", with a warning.
	Category map[string]string `yaml:"category"`
	// Baseline names the baseline of a deployed asset, per class.
	Baseline map[string]string `yaml:"baseline"`
	// Currency is the ISO 4217 code of purchase costs without a symbol.
	Currency string `yaml:"currency"`
	// DateOrder reads ambiguous dates such as 3/4/23: mdy (Snipe-IT's
	// samples, the default) or dmy.
	DateOrder string `yaml:"date_order"`
	// EmailDomain turns a username with no email into username@domain.
	EmailDomain string `yaml:"email_domain"`
	// DefaultOwner owns a deployed asset that names no person (e.g. one
	// checked out to a location).
	DefaultOwner string `yaml:"default_owner"`
}

// States are the lifecycle states a status label may map to.
var States = []string{"in-stock", "deployed", "loaned", "in-repair", "lost", "stolen", "retired", "disposed"}

// Classes are the asset classes a category may map to.
var Classes = []string{"laptop", "desktop", "thin-client", "monitor", "phone", "tablet", "printer", "server", "network", "peripheral", "other"}

// defaultStatus maps Snipe-IT's default status labels (and common
// variants) to lifecycle states. "Ready to Deploy" and "Pending" become
// deployed when the row is checked out to someone.
var defaultStatus = map[string]string{
	"ready to deploy":      "in-stock",
	"deployable":           "in-stock",
	"pending":              "in-stock",
	"in stock":             "in-stock",
	"in-stock":             "in-stock",
	"deployed":             "deployed",
	"checked out":          "deployed",
	"loaned":               "loaned",
	"on loan":              "loaned",
	"out for repair":       "in-repair",
	"out for diagnostics":  "in-repair",
	"in repair":            "in-repair",
	"in-repair":            "in-repair",
	"undeployable":         "in-repair",
	"broken":               "in-repair",
	"lost":                 "lost",
	"lost/stolen":          "lost",
	"stolen":               "stolen",
	"archived":             "retired",
	"retired":              "retired",
	"broken - not fixable": "retired",
	"end of life":          "retired",
	"disposed":             "disposed",
}

// categoryKeywords classify a category no mapping entry names: the first
// keyword found in the lower-cased category wins.
var categoryKeywords = []struct{ word, class string }{
	{"thin client", "thin-client"}, {"thin-client", "thin-client"},
	{"laptop", "laptop"}, {"notebook", "laptop"}, {"macbook", "laptop"},
	{"desktop", "desktop"}, {"workstation", "desktop"}, {"imac", "desktop"},
	{"monitor", "monitor"}, {"display", "monitor"}, {"screen", "monitor"},
	{"phone", "phone"}, {"mobile", "phone"}, {"iphone", "phone"},
	{"tablet", "tablet"}, {"ipad", "tablet"},
	{"printer", "printer"}, {"scanner", "printer"},
	{"server", "server"},
	{"network", "network"}, {"switch", "network"}, {"router", "network"}, {"access point", "network"}, {"firewall", "network"},
	{"keyboard", "peripheral"}, {"mouse", "peripheral"}, {"headset", "peripheral"}, {"dock", "peripheral"},
	{"webcam", "peripheral"}, {"peripheral", "peripheral"}, {"accessor", "peripheral"},
}

// DefaultMapping returns the built-in mapping.
func DefaultMapping() Mapping {
	m := Mapping{Status: map[string]string{}, Category: map[string]string{}, Baseline: map[string]string{}, DateOrder: "mdy"}
	for k, v := range defaultStatus {
		m.Status[k] = v
	}
	return m
}

// ExportStatus is the Snipe-IT status label estate writes per state; a
// deployed asset is "Ready to Deploy" checked out to its owner, as in
// Snipe-IT.
var ExportStatus = map[string]string{
	"in-stock": "Ready to Deploy", "deployed": "Ready to Deploy", "loaned": "Loaned", "in-repair": "Out for Repair",
	"lost": "Lost", "stolen": "Stolen", "retired": "Archived", "disposed": "Disposed",
}

func norm(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }

var currencyRE = regexp.MustCompile(`^[A-Z]{3}$`)
var emailRE = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
var idRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// MappingError is a problem in a mapping file, at a line and column.
type MappingError struct {
	File      string
	Line, Col int
	Msg       string
}

func (e *MappingError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// LoadMapping reads a mapping file (YAML) over the default mapping: its
// entries add to or replace the defaults. Unknown keys, unknown states or
// classes, and malformed values are errors that name file:line:column.
func LoadMapping(file string, data []byte) (Mapping, error) {
	m := DefaultMapping()
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return m, &MappingError{File: file, Line: 1, Col: 1, Msg: "read mapping: " + err.Error()}
	}
	if len(doc.Content) == 0 {
		return m, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return m, &MappingError{File: file, Line: root.Line, Col: root.Column, Msg: "the mapping file is a YAML mapping (status:, category:, ...)"}
	}
	bad := func(n *yaml.Node, format string, args ...any) error {
		return &MappingError{File: file, Line: n.Line, Col: n.Column, Msg: fmt.Sprintf(format, args...)}
	}
	strMap := func(n *yaml.Node, allowed []string, what string, into map[string]string, normKey bool) error {
		if n.Kind != yaml.MappingNode {
			return bad(n, "%s is a mapping of names to values", what)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode || v.Kind != yaml.ScalarNode {
				return bad(k, "%s: each entry is name: value", what)
			}
			if allowed != nil && !contains(allowed, v.Value) {
				return bad(v, "%s %q is not one of %s", what, v.Value, strings.Join(allowed, ", "))
			}
			key := k.Value
			if normKey {
				key = norm(key)
			}
			into[key] = v.Value
		}
		return nil
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		var err error
		switch k.Value {
		case "status":
			err = strMap(v, States, "status", m.Status, true)
		case "category":
			err = strMap(v, Classes, "category", m.Category, true)
		case "baseline":
			err = strMap(v, nil, "baseline", m.Baseline, false)
			for c, b := range m.Baseline {
				if !contains(Classes, c) {
					err = bad(v, "baseline: %q is not a class (%s)", c, strings.Join(Classes, ", "))
				} else if !idRE.MatchString(b) {
					err = bad(v, "baseline: %q is not a baseline name", b)
				}
			}
		case "currency", "date_order", "email_domain", "default_owner":
			if v.Kind != yaml.ScalarNode {
				err = bad(v, "%s is a single value", k.Value)
				break
			}
			switch k.Value {
			case "currency":
				if !currencyRE.MatchString(v.Value) {
					err = bad(v, "currency %q is not a three-letter ISO 4217 code such as GBP", v.Value)
				}
				m.Currency = v.Value
			case "date_order":
				if v.Value != "mdy" && v.Value != "dmy" {
					err = bad(v, "date_order %q is not mdy or dmy", v.Value)
				}
				m.DateOrder = v.Value
			case "email_domain":
				if strings.ContainsAny(v.Value, "@ ") || !strings.Contains(v.Value, ".") {
					err = bad(v, "email_domain %q is not a domain such as example.org", v.Value)
				}
				m.EmailDomain = v.Value
			case "default_owner":
				if !emailRE.MatchString(v.Value) {
					err = bad(v, "default_owner %q is not an email address", v.Value)
				}
				m.DefaultOwner = v.Value
			}
		default:
			keys := []string{"status", "category", "baseline", "currency", "date_order", "email_domain", "default_owner"}
			sort.Strings(keys)
			err = bad(k, "unknown key %q (want one of %s)", k.Value, strings.Join(keys, ", "))
		}
		if err != nil {
			return m, err
		}
	}
	return m, nil
}

// classOf maps a category to a class; ok is false when only the fallback
// ("other") applied.
func (m Mapping) classOf(category string) (class string, ok bool) {
	c := norm(category)
	if v, found := m.Category[c]; found {
		return v, true
	}
	for _, cl := range Classes {
		if c == cl || c == cl+"s" {
			return cl, true
		}
	}
	for _, kw := range categoryKeywords {
		if strings.Contains(c, kw.word) {
			return kw.class, true
		}
	}
	return "other", false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
