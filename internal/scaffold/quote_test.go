package scaffold

import (
	"os/exec"
	"strings"
	"testing"
)

// TestShellQuote: the "next:" line's directory, pasted into a POSIX
// shell, is the directory (checked with sh itself when it is there).
func TestShellQuote(t *testing.T) {
	for _, dir := range []string{"estate", "my estate", "it's", "a'b'c", "$HOME/x", "-x", "ü", "", "a\nb"} {
		q := shellQuote(dir)
		if dir != "" && !strings.ContainsAny(dir, " '$\nü") && q != dir {
			t.Errorf("shellQuote(%q) = %q: quoted a safe name", dir, q)
		}
		sh, err := exec.LookPath("sh")
		if err != nil {
			continue
		}
		out, err := exec.Command(sh, "-c", "printf %s "+q).Output()
		if err != nil || string(out) != dir {
			t.Errorf("sh reads shellQuote(%q) = %s as %q (%v)", dir, q, out, err)
		}
	}
}
