package cli

import (
	"slices"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/auditrun"
	"github.com/estate-dev/estate/internal/output"
)

// newAuditMergeCmd builds 'estate audit merge PART...': the parts of a
// sharded audit joined into the whole audit's report.
func newAuditMergeCmd(app *App) *cobra.Command {
	var format string
	formats := append([]string{"json"}, slices.DeleteFunc(slices.Clone(auditrun.Formats), func(f string) bool { return f == "json" })...)
	cmd := &cobra.Command{
		Use:   "merge PART...",
		Short: "Join the partial reports of 'estate audit --shard K/N' into the whole audit's report",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := auditrun.MergeFiles(args)
			if err != nil {
				return coreErr(err)
			}
			rep := m.Report(m.Version, m.FailOn)
			return judged(rep, auditrun.Write(app.Stdout, format, rep, m.Result, output.Options{Color: app.TTY}))
		},
	}
	formatFlag(cmd, &format, formats...)
	return cmd
}
