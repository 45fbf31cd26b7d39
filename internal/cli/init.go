package cli

import (
	"context"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/scaffold"
)

type initOptions struct {
	scaffold.InitOptions
}

func newInitCmd(app *App) *cobra.Command { return newInitCmdF(app, runInit) }

// newInitCmdF builds the command; runF runs it (a test
// replaces it to check the options a command line produces).
func newInitCmdF(app *App, runF func(context.Context, *App, *initOptions) error) *cobra.Command {
	o := &initOptions{}
	cmd := &cobra.Command{
		Use:   "init DIR",
		Short: "Scaffold a new estate repository",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Dir = args[0]
			if !filepath.IsAbs(o.Dir) {
				o.Dir = filepath.Join(app.Dir(), o.Dir)
			}
			o.Now = app.Now()
			return runF(cmd.Context(), app, o)
		},
	}
	cmd.Flags().BoolVar(&o.NoGit, "no-git", false, "do not run git init")
	return cmd
}

func runInit(_ context.Context, app *App, o *initOptions) error {
	res, err := scaffold.Init(o.InitOptions)
	if err != nil {
		return coreErr(err)
	}
	res.WriteText(app.Stdout, app.Stderr, o.Dir)
	return nil
}
