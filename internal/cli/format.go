package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/record"
)

// formatFlag adds --format, one of choices (the first the default).
func formatFlag(cmd *cobra.Command, p *string, choices ...string) {
	choiceFlag(cmd, p, "format", "output format: "+strings.Join(choices, ", "), choices...)
}

// choiceFlag adds --NAME, one of choices (the first the default), with
// them as its completions; any other value is a usage error before the
// command runs, so no command checks it again.
func choiceFlag(cmd *cobra.Command, p *string, name, usage string, choices ...string) {
	cmd.Flags().StringVar(p, name, choices[0], usage)
	cmd.RegisterFlagCompletionFunc(name, func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return choices, cobra.ShellCompDirectiveNoFileComp
	})
	prev := cmd.PreRunE
	cmd.PreRunE = func(c *cobra.Command, args []string) error {
		if err := checkChoice(name, *p, choices...); err != nil {
			return err
		}
		if prev != nil {
			return prev(c, args)
		}
		return nil
	}
}

// checkChoice returns a usage error unless v is one of choices.
func checkChoice(flag, v string, choices ...string) error {
	for _, c := range choices {
		if v == c {
			return nil
		}
	}
	return usageErr("--%s %q is not one of %s", flag, v, strings.Join(choices, ", "))
}

// parseFailOn reads --fail-on; "never" is 0 (nothing fails).
func parseFailOn(s string) (record.Severity, error) {
	if s == "never" || s == "none" {
		return 0, nil
	}
	sev, err := record.ParseSeverity(s)
	if err != nil {
		return 0, usageErr("--fail-on: %v", err)
	}
	return sev, nil
}

// progress is a progress line on a terminal's stderr, none in CI or off
// a terminal (nil): done of total, or done alone while the total is not
// known (total < 0); the line is cleared when done reaches total.
func (a *App) progress(label string) func(done, total int) {
	if !a.TTY || a.CI() {
		return nil
	}
	return func(done, total int) {
		if total < 0 {
			fmt.Fprintf(a.Stderr, "\r\x1b[K%s: %d", label, done)
			return
		}
		fmt.Fprintf(a.Stderr, "\r\x1b[K%s: %d/%d", label, done, total)
		if done == total {
			fmt.Fprint(a.Stderr, "\r\x1b[K")
		}
	}
}

// reportFlags are --format and --fail-on, as every command that reports
// findings takes them: registered with the formats it writes and its
// default threshold, --fail-on read into FailOn before the command runs.
type reportFlags struct {
	Format string
	FailOn record.Severity // 0: never fail
	failOn string
}

func (r *reportFlags) register(cmd *cobra.Command, failOnDefault string, formats ...string) {
	formatFlag(cmd, &r.Format, formats...)
	cmd.Flags().StringVar(&r.failOn, "fail-on", failOnDefault, "exit 1 when a finding is at or above this severity: info, low, medium, high, critical, or never")
	prev := cmd.PreRunE
	cmd.PreRunE = func(c *cobra.Command, args []string) (err error) {
		if r.FailOn, err = parseFailOn(r.failOn); err != nil || prev == nil {
			return err
		}
		return prev(c, args)
	}
}
