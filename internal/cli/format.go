package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/output"
	"github.com/estate-dev/estate/internal/record"
)

// formatFlag adds --format, one of choices (the first the default).
func formatFlag(cmd *cobra.Command, p *string, choices ...string) {
	choiceFlag(cmd, p, "format", "output format: "+strings.Join(choices, ", "), choices...)
}

// choiceFlag adds --NAME, one of choices (the first the default; ""
// when the flag may be left out), with them as its completions; any other
// value is a usage error before the command runs, so no command checks it
// again.
func choiceFlag(cmd *cobra.Command, p *string, name, usage string, choices ...string) {
	cmd.Flags().StringVar(p, name, choices[0], usage)
	if choices[0] == "" {
		choices = choices[1:]
		completeWith(cmd, name, choices)
		beforeRun(cmd, func() error {
			if *p == "" {
				return nil
			}
			return checkChoice(name, *p, choices...)
		})
		return
	}
	completeWith(cmd, name, choices)
	beforeRun(cmd, func() error { return checkChoice(name, *p, choices...) })
}

// choicesFlag adds --NAME, a list (repeat or comma-separate) of values
// each one of choices, checked before the command runs as choiceFlag's.
func choicesFlag(cmd *cobra.Command, p *[]string, name, usage string, choices ...string) {
	cmd.Flags().StringSliceVar(p, name, nil, usage+" (repeat or comma-separate)")
	completeWith(cmd, name, choices)
	beforeRun(cmd, func() error {
		for _, v := range *p {
			if err := checkChoice(name, v, choices...); err != nil {
				return err
			}
		}
		return nil
	})
}

// countFlag adds --NAME, a whole number, 1 or more (a usage error
// otherwise, before the command runs).
func countFlag(cmd *cobra.Command, p *int, name string, def int, usage string) {
	cmd.Flags().IntVar(p, name, def, usage)
	beforeRun(cmd, func() error {
		if *p < 1 {
			return usageErr("--%s must be at least 1", name)
		}
		return nil
	})
}

func completeWith(cmd *cobra.Command, name string, choices []string) {
	cmd.RegisterFlagCompletionFunc(name, func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return choices, cobra.ShellCompDirectiveNoFileComp
	})
}

// beforeRun has cmd run check, once its flags are parsed, before what
// ran before it and before the command: the one place flags are checked.
func beforeRun(cmd *cobra.Command, check func() error) {
	prev := cmd.PreRunE
	cmd.PreRunE = func(c *cobra.Command, args []string) error {
		if err := check(); err != nil || prev == nil {
			return err
		}
		return prev(c, args)
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

// writeAs writes v as JSON when format is json, else text.
func writeAs(w io.Writer, format string, v any, text func(io.Writer)) error {
	if format == "json" {
		return output.WriteJSON(w, v)
	}
	text(w)
	return nil
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
	beforeRun(cmd, func() (err error) { r.FailOn, err = parseFailOn(r.failOn); return err })
}
