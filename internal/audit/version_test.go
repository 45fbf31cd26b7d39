package audit

import "testing"

func TestParseVersionRealWorld(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"1:2.39.5-0+deb12u3", "2.39.5"},       // dpkg: epoch and Debian revision
		{"14.5 (23F79)", "14.5"},               // macOS with its build
		{"10.0.22631.3296", "10.0.22631.3296"}, // Windows build and revision
		{"120.0.6099.109-1", "120.0.6099.109"},
		{"2:8.2.2434-3+deb11u1", "8.2.2434"},
		{"v1.21.3", "1.21.3"},
		{"3.0.11-1~deb12u2", "3.0.11"},
		{"22.04.3 LTS (Jammy Jellyfish)", "22.04.3"},
		{" 7 ", "7"},
		{"1.1.1w", "1.1.1"},
		{"5.14.0-362.8.1.el9_3", "5.14.0"},
	} {
		v, err := ParseVersion(c.in)
		if err != nil {
			t.Errorf("ParseVersion(%q): %v", c.in, err)
			continue
		}
		if got := v.String(); got != c.want && v.Original() != c.want {
			t.Errorf("ParseVersion(%q) = %s, want %s", c.in, got, c.want)
		}
	}
	for _, bad := range []string{"", "Sonoma", "latest", "unknown", "..", "v", ":1"} {
		if _, err := ParseVersion(bad); err == nil {
			t.Errorf("ParseVersion(%q) succeeded, want an error", bad)
		}
	}
}

func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{"1:2.39.5-0+deb12u3", "14.5 (23F79)", "10.0.22631.3296", "", "v", "1..2", "9999999999999999999999.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseVersion(s)
		if err == nil && v == nil {
			t.Fatalf("ParseVersion(%q) returned neither a version nor an error", s)
		}
	})
}
