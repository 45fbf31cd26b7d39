package cli

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/auditrun"
	"github.com/estate-dev/estate/internal/output"
)

// auditCommand is what one 'estate audit' command line asks for.
type auditCommand struct {
	Run auditrun.Options
	reportFlags
}

func newAuditCmd(app *App) *cobra.Command { return auditCmd(app, runAudit) }

// auditCmd builds 'estate audit'; runF runs it (a test
// replaces it to check the options a command line produces).
func auditCmd(app *App, runF func(context.Context, *App, *auditCommand) error) *cobra.Command {
	var factsDir, collect, asOf, shard string
	var missingAfter int
	var ssh sshFlags
	var rf reportFlags
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Audit device facts against the inventory and the baselines",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c := &auditCommand{reportFlags: rf, Run: auditrun.Options{Dir: app.Dir(), Facts: factsDir, Collect: collect,
				MissingAfter: time.Duration(missingAfter) * 24 * time.Hour, Now: app.Now(), Log: app.Log}}
			if missingAfter < 0 {
				return usageErr("--missing-after must be a number of days, at least 1")
			}
			var err error
			if c.Run.AsOf, err = auditrun.ParseAsOf(asOf); err != nil {
				return coreErr(err)
			}
			if c.Run.Shard, err = auditrun.ParseShard(shard); err != nil {
				return coreErr(err)
			}
			if shard != "" && c.Format != "json" {
				return usageErr("--shard writes a partial report for estate audit merge: give --format json")
			}
			if collect == "ssh" {
				if c.Run.SSH, err = ssh.options(app); err != nil {
					return err
				}
			}
			return runF(cmd.Context(), app, c)
		},
	}
	rf.register(cmd, "high", auditrun.Formats...)
	cmd.Flags().StringVar(&factsDir, "facts", "", "folder of facts documents, or a Parquet facts store (default: facts/ in the repository)")
	choiceFlag(cmd, &collect, "collect", "collect facts for this run instead: local or ssh", "", "local", "ssh")
	cmd.Flags().IntVar(&missingAfter, "missing-after", 0, "days after which a deployed asset not seen is missing (default: estate.yaml audit.missing_after_days, or 30)")
	cmd.Flags().StringVar(&asOf, "as-of", "", "judge freshness and exemptions as of this date (YYYY-MM-DD, end of day UTC) or RFC 3339 time (default: now)")
	cmd.Flags().StringVar(&shard, "shard", "", "audit part K of N (K/N, by a hash of the asset id): a partial report (--format json) for 'estate audit merge'")
	ssh.register(cmd)
	cmd.MarkFlagsMutuallyExclusive("facts", "collect")
	cmd.MarkFlagsMutuallyExclusive("shard", "collect")
	cmd.AddCommand(newAuditMergeCmd(app))
	return cmd
}

func runAudit(ctx context.Context, app *App, c *auditCommand) error {
	res, err := auditrun.Run(ctx, c.Run)
	if err != nil {
		return coreErr(err)
	}
	rep := res.Report(Version, c.FailOn)
	return judged(rep, auditrun.Write(app.Stdout, c.Format, rep, res, output.Options{Color: app.TTY}))
}
