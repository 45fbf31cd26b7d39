// Package rules holds the cross-record rules of an estate, one file each:
// layout (file name = id, folder = kind and class), unique ids, serials and
// hostnames, references that must resolve, baseline inheritance, lifecycle
// rules and expiry. Rules are pure: they read a record.Estate and return
// findings that name a record's file and field path; the caller places
// them at a line and column.
//
// It imports record and load (the layout's Classify, a pure function).
package rules
