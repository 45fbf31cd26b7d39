// Package schema compiles estate's CUE schemas (the embedded ones unified
// with a repository's own schema/*.cue) and validates decoded records
// against them, turning CUE's errors into findings that point at the YAML
// line and column and speak in terms of fields and values.
//
// A Schema is immutable and may be shared; a Validator is for one goroutine.
//
// It imports cuelang.org/go, record, load and the embedded schema; it
// reads no file (the caller passes the repository's schema sources).
package schema
