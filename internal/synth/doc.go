// Package synth generates large synthetic estates for benchmarks and tests:
// any number of assets with a realistic mix of classes, lifecycle states,
// manufacturers and fields, the locations, licences, baselines and change
// policy they refer to, and (on request) a share of invalid records.
// Output is deterministic for a seed.
//
// It imports record, load, ledger and gitrepo (to write git histories
// through gitrepo's git runner); only tests and benchmarks use it.
package synth
