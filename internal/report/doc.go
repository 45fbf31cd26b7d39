// Package report builds the status-accounting report of `estate report`:
// the inventory as it stood at a date or revision (counts by class,
// status, location and baseline, and the records), and from the ledger
// the changes by type, risk and outcome per period, the changes
// implemented but not yet verified, the emergency changes awaiting their
// review and the exemptions expiring. It is pure: the caller reads the
// estate and the ledger.
//
// It imports record, ledger and output.
package report
