// Package cli is estate's command tree: flags, help, output streams and
// exit codes. Each command lives in a file of its own (validate.go,
// audit.go, ...) as a newXCmd(app) function and only turns flags into a
// call of the package that does the work, then writes the result.
//
// Nothing below this package reads os.Args, os.Stdout or the clock: App
// carries them, so tests run commands in-process with their own streams.
package cli
