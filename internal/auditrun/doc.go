// Package auditrun runs 'estate audit': it opens the estate through core,
// gets the facts (a folder of documents, this machine, or the inventory's
// hosts over SSH), judges them with package audit as of a moment (now, or
// an --as-of day for reproducing a past audit), and writes the report in
// the audit's formats (the shared ones of package output, plus the
// compliance summary in text, markdown and json).
//
// It may import core, audit, facts (and facts/collect for SSH), output,
// record, and ledger and ledger/ops (to record the ledger's head the
// audit saw, ledger_head in the JSON report). It knows nothing of flags or terminals: the caller passes
// Options and a writer. Request errors are core usage errors
// (errors.Is(err, core.ErrUsage)); any other error means the audit could
// not run.
package auditrun
