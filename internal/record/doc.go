// Package record holds estate's domain types: the records of an estate
// (assets, licences, locations, baselines, change requests, the change
// policy, settings and device facts), positions in files, and findings.
//
// It does no I/O and imports nothing of estate's own: every other package
// may import it.
package record
