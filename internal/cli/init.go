package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

func newInitCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:     "init DIR",
		Short:   "Scaffold a new estate repository",
		Example: "  estate init it-estate",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return &ExitError{Code: ExitFailure, Err: errors.New("init: not built yet")}
		},
	}
}
