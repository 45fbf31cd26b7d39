// Package reports runs estate's report commands — licences, report (the
// status accounting, and its HTML service report), forecast and export
// csv — for a caller that has already turned its flags into Options: it
// opens the estate through internal/core (the working tree, or a git
// revision with validate's cache), reads facts with core.ReadFacts,
// resolves --as-of against the history, reads the ledger, and hands the
// records to the pure packages that compute each report (licence, report,
// htmlreport, forecast, snipeit). Its results are values, and the tables
// it makes of them (internal/output) are what the caller writes.
//
// One package for the four commands because they share that I/O (the
// estate at a revision, facts, the ledger, --as-of), which would
// otherwise be copied into each, and because the pure packages stay free
// of git and the file system; htmlreport, which draws on licence,
// forecast, audit and the ledger, is assembled here too.
//
// reports may import core, gitrepo, ledger and ledger/gitstore, the pure
// report packages, audit, snipeit, record and output. It never imports
// cli, knows nothing of flags or exit codes (request errors are
// errors.Is(err, core.ErrUsage), with a Hint method when there is one),
// and writes no file but the one export csv is asked to write.
package reports
