// Package importer is estate import snipeit: it reads a Snipe-IT asset
// CSV (internal/snipeit), plans one record per asset and one per new
// location against the estate as it stands (opened through internal/core),
// checks every planned record as estate validate would, and writes the
// accepted ones through the one record writer (internal/store): locations
// first, every file atomic, so an import that is stopped part way leaves
// an estate that validates and a second run completes it.
//
// importer may import snipeit, core, store, record, rules and load; it
// knows nothing of flags or output formats (the CLI prints its Report).
package importer
