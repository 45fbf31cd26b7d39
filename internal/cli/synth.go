package cli

import (
	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/synth"
)

func newSynthCmd(app *App) *cobra.Command {
	var cfg synth.Config
	cmd := &cobra.Command{
		Use:   "synth DIR",
		Short: "Generate a large synthetic estate (for benchmarks)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cfg.Assets < 0 || cfg.InvalidEvery < 0 {
				return usageErr("--assets and --invalid-every must not be negative")
			}
			cfg.Now = app.Now()
			if err := synth.Write(args[0], synth.Generate(cfg)); err != nil {
				return &ExitError{Code: ExitFailure, Err: err}
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&cfg.Assets, "assets", 1000, "number of assets")
	cmd.Flags().Int64Var(&cfg.Seed, "seed", 1, "random seed")
	cmd.Flags().IntVar(&cfg.InvalidEvery, "invalid-every", 0, "make every k-th asset invalid (0: none)")
	return cmd
}
