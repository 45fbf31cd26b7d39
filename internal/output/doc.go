// Package output writes findings in the formats estate's commands share:
// text (for people; colour only when asked), json (stable, documented in
// docs/output.md), github (workflow-command annotations), sarif (2.1.0, for
// code scanning), junit (for CI test reports) and markdown. One file per
// format; an unknown format is an error, never a fallback.
//
// Beside the finding formats it is estate's one presentation layer:
// tables (Table, WriteTables), money (Money), CSV-safe cells (CSVCell)
// and terminal-safe text (TextSafe), used by every command and format.
// It imports record and ledger (for the ledger's entries) and no adapter;
// it writes only to the io.Writer it is given.
package output
