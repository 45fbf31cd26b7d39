package output

import "testing"

func TestTextSafe(t *testing.T) {
	for in, want := range map[string]string{
		"plain text, ünïcode": "plain text, ünïcode",
		"\x1b[31mred\x1b[0m":  " [31mred [0m",
		"two\nlines\r\n":      "two lines  ",
		"tab\there":           "tab here",
		"c1\u009bcsi del\x7f": "c1 csi del ",
	} {
		if got := TextSafe(in); got != want {
			t.Errorf("TextSafe(%q) = %q, want %q", in, got, want)
		}
	}
}
