// Package incidents keeps one GitHub issue per failing device (or per
// failing control) of an audit report: estate incidents sync.
//
// Plan is pure: from the report's findings (audit/control and the
// physical-audit rules) and the issues the token's own identity opened
// before, it works out the calls to make: create, edit (only when the
// body or estate's labels changed), close (every finding passes) and
// reopen (it fails again). An issue is found again by the fingerprint in
// a hidden marker of its body AND by its author: a marker anyone else
// wrote is ignored. New issues beyond a maximum are counted in one
// tracking issue instead.
//
// Run reads the report and estate.yaml, lists the issues through
// internal/github, makes the calls (or only prints them, for a dry run)
// and appends incident-opened, incident-closed and incident-reopened
// entries to the ledger. It must not touch GitHub other than through
// internal/github, nor parse YAML itself.
package incidents
