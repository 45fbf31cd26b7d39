// Package validate checks an estate in layers and reports every problem in
// one run: YAML (syntax, duplicate keys, one document, size, UTF-8, alias
// expansion, secrets), CUE schemas (per record), the repository layout, and
// the cross-record rules of internal/rules. Records are checked on all
// cores; results are cached by (schema digest, blob id).
//
// Load is the entry point for the other commands: it returns the estate
// of a tree with the findings that stand against it.
//
// It imports record, load, schema, rules and cachefile; it reads through
// the load.Tree it is given and writes only its cache.
package validate
