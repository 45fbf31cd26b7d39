// Package load reads the records of an estate: it lists the files of a
// working tree or of a git revision (through Tree), refuses what is unsafe
// (symlinks out of the repository, huge files, invalid UTF-8, alias bombs,
// secrets), parses YAML into nodes that keep line and column, and says which
// kind of record a path must hold.
//
// It does not evaluate schemas (internal/schema) or cross-record rules
// (internal/rules).
package load
