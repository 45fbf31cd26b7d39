package cli

import (
	"context"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/ledger/ops"
	"github.com/estate-dev/estate/internal/output"
)

type ledgerVerifyOptions struct {
	ops.VerifyOptions
	reportFlags
}

func newLedgerVerifyCmd(app *App, runF func(context.Context, *App, *ledgerVerifyOptions) error) *cobra.Command {
	o := &ledgerVerifyOptions{}
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Prove the ledger intact and every change of the default branch approved",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.RequireSigned && o.AllowedKeys == "" {
				return usageErr("--require-signed needs --allowed-keys FILE (armored OpenPGP public keys)")
			}
			o.Dir, o.Now = app.Dir(), app.Now()
			return runF(cmd.Context(), app, o)
		},
	}
	cmd.Flags().StringVar(&o.Branch, "branch", "", "the default branch (default: github.default_branch of estate.yaml, else main, else HEAD)")
	cmd.Flags().StringVar(&o.Ref, "ref", "", "the ledger's ref (default: ledger.ref of estate.yaml, else refs/estate/ledger)")
	cmd.Flags().BoolVar(&o.RequireSigned, "require-signed", false, "every commit since the ledger began must be signed by an allowed key")
	cmd.Flags().StringVar(&o.AllowedKeys, "allowed-keys", "", "armored OpenPGP public keys allowed to sign (with --require-signed)")
	cmd.Flags().StringVar(&o.Against, "against", "", "compare with another copy: a remote or ref holding the ledger, or a JSON file recording a ledger_head")
	o.register(cmd, "low", "text", "json", "github", "sarif", "junit", "markdown")
	return cmd
}

func ledgerVerify(ctx context.Context, app *App, o *ledgerVerifyOptions) error {
	res, err := ops.Verify(ctx, o.VerifyOptions)
	if err != nil {
		return coreErr(err)
	}
	rep := output.Report{Tool: "ledger verify", Version: Version, Findings: res.Findings, FailOn: o.FailOn,
		Summary: map[string]int{"entries": res.Entries, "commits": res.Commits}}
	if res.Witnessed != "" {
		rep.Summary["witness"] = 1
	}
	return judged(rep, output.Write(app.Stdout, o.Format, rep, output.Options{Color: app.TTY}))
}

type ledgerShowOptions struct {
	ops.ShowOptions
	Format string
}

func newLedgerShowCmd(app *App, runF func(context.Context, *App, *ledgerShowOptions) error) *cobra.Command {
	o := &ledgerShowOptions{}
	cmd := &cobra.Command{
		Use:   "show [SEQ...]",
		Short: "Print the ledger's entries (all, or those named)",
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, a := range args {
				n, err := strconv.ParseInt(a, 10, 64)
				if err != nil || n < 1 {
					return usageErr("%q is not an entry number", a)
				}
				o.Seqs = append(o.Seqs, n)
			}
			o.Dir = app.Dir()
			return runF(cmd.Context(), app, o)
		},
	}
	cmd.Flags().StringVar(&o.Ref, "ref", "", "the ledger's ref (default: ledger.ref of estate.yaml, else refs/estate/ledger)")
	cmd.Flags().BoolVar(&o.AllowEmpty, "allow-empty", false, "take a ledger ref that does not exist as an empty ledger, not an error")
	formatFlag(cmd, &o.Format, "text", "json")
	return cmd
}

func ledgerShow(ctx context.Context, app *App, o *ledgerShowOptions) error {
	res, err := ops.Show(ctx, o.ShowOptions)
	if err != nil {
		return coreErr(err)
	}
	return coreErr(res.Write(app.Stdout, app.Stderr, o.Format))
}
