package cli

import (
	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/schema"
)

func newSchemaCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the effective CUE schema (built-in unified with schema/*.cue)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := load.OpenDir(app.Dir())
			if err != nil {
				return &ExitError{Code: ExitFailure, Err: err}
			}
			defer d.Close()
			entries, err := d.Entries(cmd.Context())
			if err != nil {
				return &ExitError{Code: ExitFailure, Err: err}
			}
			var repo []schema.Source
			for _, e := range entries {
				if len(e.Path) > 7 && e.Path[:7] == "schema/" && e.Path[len(e.Path)-4:] == ".cue" {
					b, err := d.ReadFile(e, load.DefaultLimits.MaxFileBytes)
					if err != nil {
						return inputErr(err, "")
					}
					repo = append(repo, schema.Source{Name: e.Path, Data: b})
				}
			}
			s, err := schema.New(repo)
			if err != nil {
				return inputErr(err, "fix the repository's schema/*.cue files")
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
