package cli

import (
	"context"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/evidence"
)

type evidenceOptions struct {
	evidence.Options
	Out    string
	Format string
}

func newEvidenceCmd(app *App) *cobra.Command { return evidenceCommand(app, runEvidence) }

// evidenceCommand is estate evidence; runF runs it (a test replaces it).
func evidenceCommand(app *App, runF func(context.Context, *App, *evidenceOptions) error) *cobra.Command {
	o := &evidenceOptions{}
	var seed string
	cmd := &cobra.Command{
		Use:   "evidence CR-ID|PR-NUMBER|SHA",
		Short: "An auditor's evidence pack for a change, or for a sample of a period's changes",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.Target = args[0]
			}
			if seed != "" {
				n, err := strconv.ParseUint(seed, 10, 64)
				if err != nil || n == 0 {
					return usageErr("--seed %q: want a whole number, 1 or more", seed)
				}
				o.Seed = n
			}
			o.Dir, o.Now, o.Log = app.Dir(), app.Now(), app.Log
			return runF(cmd.Context(), app, o)
		},
	}
	cmd.Flags().StringVar(&o.Out, "out", "evidence", "the folder the packs are written to (NAME.html and NAME.json per change)")
	cmd.Flags().IntVar(&o.Sample, "sample", 0, "draw this many changes of --period instead of naming one")
	cmd.Flags().StringVar(&o.Period, "period", "", "the period sampled: 2026-Q3, 2026-07, 2026 or 2026-07-01..2026-09-30")
	cmd.Flags().StringVar(&seed, "seed", "", "the draw (default: one fixed by the period's name)")
	cmd.Flags().StringVar(&o.Ref, "ref", "", "the ledger's ref (default: ledger.ref of estate.yaml, else refs/estate/ledger)")
	formatFlag(cmd, &o.Format, "text", "json")
	return cmd
}

// runEvidence writes the packs; it exits 1 when a pack has gaps (it is
// written all the same, its gaps in red), as a failed gate does.
func runEvidence(ctx context.Context, app *App, o *evidenceOptions) error {
	res, err := evidence.Run(ctx, o.Options)
	if err != nil {
		return coreErr(err)
	}
	written, err := evidence.Write(o.Out, res.Packs)
	if err != nil {
		return coreErr(err)
	}
	return exitOf(writeAs(app.Stdout, o.Format, evidence.IndexOf(res, written, Version), func(w io.Writer) { evidence.WriteText(w, res, written) }), res.Gaps())
}
