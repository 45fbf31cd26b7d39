package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/ledger/ops"
)

type ledgerRecordOptions struct {
	ops.RecordOptions
	Format string
}

func newLedgerRecordCmd(app *App, runF func(context.Context, *App, *ledgerRecordOptions) error) *cobra.Command {
	o := &ledgerRecordOptions{}
	var approvedBy []string
	var push string
	cmd := &cobra.Command{
		Use:   "record",
		Short: "Append the change-implemented entry of a merged change",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if o.Approvals, err = ops.ParseApprovals(approvedBy); err != nil {
				return coreErr(err)
			}
			o.Dir, o.Now, o.Writer = app.Dir(), app.Now, ledgerWriter(app, push)
			if app.Getenv("GITHUB_TOKEN") != "" {
				o.Reviews = ops.GitHubReviews{Token: app.Getenv("GITHUB_TOKEN"), APIURL: app.Getenv("GITHUB_API_URL"),
					Repository: app.Getenv("GITHUB_REPOSITORY"), Log: app.Log}.Read
			}
			return runF(cmd.Context(), app, o)
		},
	}
	cmd.Flags().StringVar(&o.Rev, "rev", "HEAD", "the merged commit to record")
	cmd.Flags().StringVar(&o.Ref, "ref", "", "the ledger's ref (default: ledger.ref of estate.yaml, else refs/estate/ledger)")
	cmd.Flags().IntVar(&o.PR, "pr", 0, "the pull request number (default: read from the merge commit's message)")
	cmd.Flags().StringArrayVar(&approvedBy, "approved-by", nil, "an approval as LOGIN@TIME (RFC 3339); repeatable; skips GitHub")
	cmd.Flags().StringVar(&push, "push", "", "then push the ledger to this remote (git CLI), fetching and recording again when another writer pushed first")
	formatFlag(cmd, &o.Format, "text", "json")
	return cmd
}

func ledgerRecord(ctx context.Context, app *App, o *ledgerRecordOptions) error {
	res, err := ops.Record(ctx, o.RecordOptions)
	if res != nil {
		if werr := res.Write(app.Stdout, app.Stderr, o.Format); err == nil {
			err = werr
		}
	}
	return coreErr(err)
}

type ledgerAuditOptions struct {
	ops.AuditOptions
	Format string
}

func newLedgerRecordAuditCmd(app *App, runF func(context.Context, *App, *ledgerAuditOptions) error) *cobra.Command {
	o := &ledgerAuditOptions{}
	var push string
	cmd := &cobra.Command{
		Use:   "record-audit REPORT.json",
		Short: "Append an audit entry, and change-verified entries for changes the audit shows compliant",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.File, o.Stdin, o.Dir, o.Now, o.Writer = args[0], app.Stdin, app.Dir(), app.Now, ledgerWriter(app, push)
			return runF(cmd.Context(), app, o)
		},
	}
	cmd.Flags().StringVar(&o.Rev, "rev", "HEAD", "the estate revision that was audited")
	cmd.Flags().StringVar(&o.Ref, "ref", "", "the ledger's ref (default: ledger.ref of estate.yaml, else refs/estate/ledger)")
	cmd.Flags().StringVar(&o.At, "time", "", "when the audit ran, RFC 3339 (default: the report's generated_at, else now)")
	cmd.Flags().StringVar(&push, "push", "", "push each entry to this remote (git CLI), fetching and recording again when another writer pushed first")
	formatFlag(cmd, &o.Format, "text", "json")
	return cmd
}

func ledgerRecordAudit(ctx context.Context, app *App, o *ledgerAuditOptions) error {
	res, err := ops.RecordAudit(ctx, o.AuditOptions)
	if res != nil {
		if werr := res.Write(app.Stdout, app.Stderr, o.Format); err == nil {
			err = werr
		}
	}
	return coreErr(err)
}
