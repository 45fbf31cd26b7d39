package snipeit

import "strings"

// Hand-written equivalents of the patterns a row is checked against, for
// the hot path of a large import. FuzzChecks proves each equal to its
// regular expression (idRE, serialRE, emailRE, hostnameRE).

func alnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' }

// isID matches idRE: ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$
func isID(s string) bool {
	if len(s) == 0 || len(s) > 64 || !alnum(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !alnum(c) && c != '_' && c != '.' && c != '-' {
			return false
		}
	}
	return true
}

// isSerial matches serialRE: ^[A-Za-z0-9][A-Za-z0-9 ._/-]{0,63}$
func isSerial(s string) bool {
	if len(s) == 0 || len(s) > 64 || !alnum(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !alnum(c) && c != ' ' && c != '.' && c != '_' && c != '/' && c != '-' {
			return false
		}
	}
	return true
}

// isEmail matches emailRE: ^[^@\s]+@[^@\s]+\.[^@\s]+$ (\s is ASCII
// space, \t, \n, \f, \r in Go's RE2).
func isEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	if at <= 0 || strings.IndexByte(s[at+1:], '@') >= 0 || strings.ContainsAny(s, " \t\n\f\r") {
		return false
	}
	dom := s[at+1:]
	return len(dom) >= 3 && strings.IndexByte(dom[1:len(dom)-1], '.') >= 0
}

// isHostname matches hostnameRE: dot-separated labels of a-z0-9 and
// inner hyphens, 1 to 63 characters each.
func isHostname(s string) bool {
	if s == "" {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		n := len(label)
		if n == 0 || n > 63 {
			return false
		}
		for i := 0; i < n; i++ {
			c := label[i]
			ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' && i > 0 && i < n-1
			if !ok {
				return false
			}
		}
	}
	return true
}
