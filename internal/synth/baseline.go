package synth

import (
	"fmt"
	"strings"
)

// Control is a generated baseline control (check as inline YAML).
type Control struct {
	ID, Title, Severity, Check string
}

// Baseline is a generated baseline.
type Baseline struct {
	Name, Extends, OS string
	Classes           []string
	Controls          []Control
}

// YAML renders the baseline record.
func (b Baseline) YAML() string {
	var s strings.Builder
	fmt.Fprintf(&s, "apiVersion: estate/v1\nkind: Baseline\nname: %s\nversion: \"1.0.0\"\nowner: \"@synthetic/euc\"\n", b.Name)
	if b.Extends != "" {
		fmt.Fprintf(&s, "extends: %s\n", b.Extends)
	}
	if len(b.Classes) > 0 || b.OS != "" {
		s.WriteString("applies_to:\n")
		if len(b.Classes) > 0 {
			fmt.Fprintf(&s, "  classes: [%s]\n", strings.Join(b.Classes, ", "))
		}
		if b.OS != "" {
			fmt.Fprintf(&s, "  os: %s\n", b.OS)
		}
	}
	s.WriteString("controls:\n")
	for _, c := range b.Controls {
		fmt.Fprintf(&s, "  - id: %s\n    title: %s\n    severity: %s\n    check: %s\n", c.ID, c.Title, c.Severity, c.Check)
	}
	return s.String()
}

// Baselines returns euc-common (10 controls) and euc-macos, euc-windows and
// euc-linux (20 each, extending euc-common): 30 effective controls each.
func Baselines() []Baseline {
	common := Baseline{Name: "euc-common"}
	for i := 1; i <= 10; i++ {
		c := Control{ID: fmt.Sprintf("COM-%03d", i), Severity: []string{"low", "medium", "high"}[i%3]}
		switch i % 5 {
		case 0:
			c.Title, c.Check = "Disk is encrypted", "{fact: security.disk_encryption, equals: true}"
		case 1:
			c.Title, c.Check = "Firewall is on", "{fact: security.firewall, equals: true}"
		case 2:
			c.Title, c.Check = "Screen locks within 10 minutes", "{fact: security.screen_lock_seconds, max: 600}"
		case 3:
			c.Title, c.Check = "Facts are fresh", "{fact: collected_at, max_age: 168h}"
		case 4:
			c.Title, c.Check = fmt.Sprintf("No remote-access tool %d", i), fmt.Sprintf("{package: \"remote-tool-%d\", absent: true}", i)
		}
		common.Controls = append(common.Controls, c)
	}
	out := []Baseline{common}
	for _, p := range []struct{ name, os, prefix, minOS, pkg string }{
		{"euc-macos", "macos", "MAC", ">= 14.5", "Google Chrome"},
		{"euc-windows", "windows", "WIN", ">= 10.0.22631", "Google Chrome"},
		{"euc-linux", "linux", "LNX", ">= 22.04", "google-chrome-stable"},
	} {
		b := Baseline{Name: p.name, Extends: "euc-common", OS: p.os, Classes: []string{"laptop", "desktop"}}
		for i := 1; i <= 20; i++ {
			c := Control{ID: fmt.Sprintf("%s-%03d", p.prefix, i), Severity: []string{"info", "low", "medium", "high", "critical"}[i%5]}
			switch i % 6 {
			case 0:
				c.Title, c.Check = "OS is supported", fmt.Sprintf("{fact: os.version, version: %q}", p.minOS)
			case 1:
				c.Title, c.Check = "Browser is current", fmt.Sprintf("{package: %q, version: \">= 120\"}", p.pkg)
			case 2:
				c.Title, c.Check = "OS family is right", fmt.Sprintf("{fact: os.family, one_of: [%s]}", p.os)
			case 3:
				c.Title, c.Check = fmt.Sprintf("Agent %d is installed", i), fmt.Sprintf("{package: \"agent-%d\", present: true}", i)
			case 4:
				c.Title, c.Check = "Hostname follows the naming rule", "{fact: identity.hostname, matches: \"^[a-z]{2}-[0-9]+$\"}"
			case 5:
				c.Title, c.Check = "Automatic updates are on", "{fact: security.auto_updates, equals: true}"
			}
			if i == 10 && p.os == "macos" {
				c.ID = "MAC-SW-010"
			}
			b.Controls = append(b.Controls, c)
		}
		out = append(out, b)
	}
	return out
}
