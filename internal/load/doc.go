// Package load reads the records of an estate: it lists the files of a
// working tree or of a git revision (through Tree), refuses what is unsafe
// (symlinks out of the repository, huge files, invalid UTF-8, alias bombs,
// secrets, tags), parses YAML into nodes that keep line and column (a
// syntax error gets the column and a hint for the common mistakes), says
// which kind of record a path must hold, and finds records put outside the
// layout (Stray).
//
// It does not evaluate schemas (internal/schema) or cross-record rules
// (internal/rules).
package load
