// Command estate is configuration management as code for an IT estate.
// See the README, or run estate --help.
package main

import (
	"os"

	"github.com/estate-dev/estate/internal/cli"
)

func main() {
	os.Exit(cli.Main(cli.System()))
}
