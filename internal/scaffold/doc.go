// Package scaffold holds the template of a new estate repository (embedded
// with go:embed) and writes it into a directory for `estate init`.
//
// Write never overwrites anything: it checks every path first and writes
// nothing when one exists, and then creates each file exclusively through
// an os.Root, so a symlink in the target cannot lead a write outside it.
// Every record of the template is checked by the one record writer
// (internal/store) against the new estate's own estate.yaml and
// schema/*.cue before anything is written, and every file is written
// through it. scaffold may import store, load, core and gitrepo.
// Init is estate init; it does git work only through internal/gitrepo
// and prints nothing.
package scaffold
