package output

import "strings"

// TextSafe makes untrusted text safe to print on a terminal, on one line:
// every control character (C0, DEL and C1, so line breaks, tabs and the
// ESC of a terminal escape sequence too) becomes a space.
func TextSafe(s string) string {
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isControl(r) {
			return ' '
		}
		return r
	}, s)
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }
