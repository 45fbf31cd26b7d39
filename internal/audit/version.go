package audit

import (
	"fmt"
	"strings"

	"github.com/hashicorp/go-version"
)

// ParseVersion reads a version as real devices and package databases
// write it, tolerantly: a Debian or RPM epoch ("1:") is dropped, a leading
// "v" too, and only the leading dotted run of numbers counts, so
//
//	1:2.39.5-0+deb12u3  → 2.39.5
//	14.5 (23F79)        → 14.5
//	10.0.22631.3296     → 10.0.22631.3296
//	120.0.6099.109-1    → 120.0.6099.109
//
// The packaging revision and any pre-release suffix ("~rc1", "-beta") are
// ignored, which errs on the side of the upstream release. A string with
// no leading number ("Sonoma", "") is an error.
func ParseVersion(s string) (*version.Version, error) {
	t := strings.TrimSpace(s)
	if i := strings.IndexByte(t, ':'); i > 0 && allDigits(t[:i]) {
		t = t[i+1:]
	}
	if len(t) > 1 && (t[0] == 'v' || t[0] == 'V') && isDigit(t[1]) {
		t = t[1:]
	}
	j := 0
	for j < len(t) && (isDigit(t[j]) || (t[j] == '.' && j > 0 && t[j-1] != '.')) {
		j++
	}
	t = strings.TrimRight(t[:j], ".")
	if t == "" {
		return nil, fmt.Errorf("%q is not a version", s)
	}
	v, err := version.NewVersion(t)
	if err != nil {
		return nil, fmt.Errorf("%q is not a version: %w", s, err)
	}
	return v, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}
