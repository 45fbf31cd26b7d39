package cli

import (
	"io/fs"
	"testing"

	"github.com/spf13/cobra"
)

// TestHelp: every command has its help file, and an example in it; no
// help file is left over from a command that is gone.
func TestHelp(t *testing.T) {
	used := map[string]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Name() == "help" || c.Name() == "completion" {
			return
		}
		used[helpName(c)] = true
		if c.Example == "" {
			t.Errorf("%s has no example (%s)", c.CommandPath(), helpName(c))
		}
		if c.Long == "" && c.HasParent() && c.Runnable() {
			t.Logf("%s has no long help", c.CommandPath())
		}
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(newRootCmd(System()))
	files, _ := fs.Glob(helpFiles, "help/*.txt")
	for _, f := range files {
		if !used[f] {
			t.Errorf("%s belongs to no command", f)
		}
	}
}
