package cli

import (
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/ledger/ops"
)

func newLedgerCmd(app *App) *cobra.Command {
	return group("ledger", "The status-accounting ledger: record changes and audits, verify the chain",
		newLedgerRecordCmd(app, nil), newLedgerRecordAuditCmd(app, nil), newLedgerVerifyCmd(app, nil), newLedgerShowCmd(app, nil))
}

// ledgerWriter is where new entries go: the local ref, and the remote
// --push names.
func ledgerWriter(app *App, push string) ops.Writer {
	return ops.Writer{Push: push, Log: app.Log}
}

// parseApproval reads LOGIN@TIME; the login may itself hold an @.
func parseApproval(s string) (ledger.Approval, error) {
	i := strings.LastIndex(s, "@")
	if i <= 0 {
		return ledger.Approval{}, usageErr("--approved-by %q: want LOGIN@TIME, e.g. jane@2026-11-20T10:00:00Z", s)
	}
	t, err := time.Parse(time.RFC3339, s[i+1:])
	if err != nil {
		return ledger.Approval{}, usageErr("--approved-by %q: the time is not RFC 3339: %v", s, err)
	}
	return ledger.Approval{By: s[:i], At: ledger.FormatTime(t)}, nil
}
