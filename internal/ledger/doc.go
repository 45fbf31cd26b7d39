// Package ledger is estate's status-accounting ledger: the entry model,
// its canonical JSON, the SHA-256 hash chain and the checks `estate ledger
// verify` runs (chain intact; every first-parent commit of the default
// branch covered by an approved change; signatures). It is pure: no I/O,
// no git. The git ref store is internal/ledger/gitstore; the commands
// (record, record-audit, verify, show) run in internal/ledger/ops.
//
// An entry records one event (a change implemented or verified, an audit,
// an exemption granted or expired). Nothing in an entry depends on the
// machine that wrote it: times come from git or from the audit report,
// never from the writer's clock, so two writers produce the same bytes.
package ledger
