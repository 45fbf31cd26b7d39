// Package problems finds patterns in the ledger's incident history and
// drafts Problem records for them: estate problems suggest.
//
// Suggest is pure: from the incident-opened, incident-closed and
// incident-reopened entries (which device failed which control, and when
// a fixed one failed again), the estate's assets (model, location) and
// the devices' newest facts (model, OS version) it finds
//
//   - spread: one control failing on at least MinDevices devices of one
//     model, one OS version (major.minor) or one location;
//   - repeat: the same device failing the same control again after an
//     audit verified it fixed.
//
// A pattern that a Problem record of the estate already matches is not
// suggested again. Run reads the estate (internal/core), the ledger
// (internal/ledger/ops) and the facts, and writes each draft, status
// open, through internal/store, the one writer of records.
package problems
