// Package scaffold holds the template of a new estate repository (embedded
// with go:embed) and writes it into a directory for `estate init`.
//
// Write never overwrites anything: it checks every path first and writes
// nothing when one exists, and then creates each file exclusively through
// an os.Root, so a symlink in the target cannot lead a write outside it.
// It does no git work (internal/gitrepo does) and prints nothing.
package scaffold
