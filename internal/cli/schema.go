package cli

import (
	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/core"
)

func newSchemaCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the effective CUE schema (built-in unified with schema/*.cue)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := core.EffectiveSchema(app.Dir())
			if err != nil {
				return coreErr(err)
			}
			text, err := s.Text()
			if err != nil {
				return &ExitError{Code: ExitFailure, Err: err}
			}
			_, err = app.Stdout.Write(text)
			return err
		},
	}
}
