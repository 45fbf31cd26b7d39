package cli

import (
	"embed"
	"strings"

	"github.com/spf13/cobra"
)

// helpFiles hold each command's long help and examples, one file a
// command named after its path ("estate ledger verify" is
// help/estate-ledger-verify.txt): the text, then a line "--- examples"
// and the examples. Prose lives apart from the flag wiring, where it can
// be read and reviewed as prose.
//
//go:embed help/*.txt
var helpFiles embed.FS

// helpName is the file that holds c's help.
func helpName(c *cobra.Command) string {
	return "help/" + strings.ReplaceAll(c.CommandPath(), " ", "-") + ".txt"
}

// applyHelp sets Long and Example of c and every command below it from
// its help file.
func applyHelp(c *cobra.Command) {
	if b, err := helpFiles.ReadFile(helpName(c)); err == nil {
		long, ex, _ := strings.Cut(string(b), "\n--- examples\n")
		c.Long = strings.TrimRight(long, "\n")
		c.Example = strings.TrimRight(ex, "\n")
	}
	for _, s := range c.Commands() {
		applyHelp(s)
	}
}
