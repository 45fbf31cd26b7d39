// Package schema embeds estate's CUE schemas (package estate) so that the
// binary carries them. internal/schema compiles and applies them.
package schema

import "embed"

// Files holds every *.cue file of this directory.
//
//go:embed *.cue
var Files embed.FS
