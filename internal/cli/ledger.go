package cli

import (
	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/ledger/ops"
)

func newLedgerCmd(app *App) *cobra.Command {
	return group("ledger", "The status-accounting ledger: record changes and audits, verify the chain",
		newLedgerRecordCmd(app, ledgerRecord), newLedgerRecordAuditCmd(app, ledgerRecordAudit), newLedgerVerifyCmd(app, ledgerVerify), newLedgerShowCmd(app, ledgerShow))
}

// ledgerWriter is where new entries go: the local ref, and the remote
// --push names.
func ledgerWriter(app *App, push string) ops.Writer {
	return ops.Writer{Push: push, Log: app.Log}
}
