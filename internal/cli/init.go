package cli

import (
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/scaffold"
)

type initOptions struct {
	scaffold.InitOptions
}

func newInitCmd(app *App) *cobra.Command { return newInitCmdF(app, nil) }

// newInitCmdF builds the command; runF, when set, is called with the
// options instead of writing the estate (flag-parsing tests).
func newInitCmdF(app *App, runF func(*initOptions) error) *cobra.Command {
	o := &initOptions{}
	if runF == nil {
		runF = func(o *initOptions) error { return runInit(app, o) }
	}
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
			return runF(o)
		},
	}
	cmd.Flags().BoolVar(&o.NoGit, "no-git", false, "do not run git init")
	return cmd
}

func runInit(app *App, o *initOptions) error {
	res, err := scaffold.Init(o.InitOptions)
	if err != nil {
		return coreErr(err)
	}
	res.WriteText(app.Stdout, app.Stderr, o.Dir)
	return nil
}
