// Package report renders a change plan (and the gate's decision) as text
// for a terminal, markdown for a pull-request comment or job summary, and
// JSON. Every value that comes from a record or a pull request is
// untrusted and escaped (output.MarkdownCell, output.CodeSpan): no HTML,
// no @mentions, no links, no breaking out of tables or code spans.
//
// It imports change, output and record; it does no I/O but writing to
// the io.Writer it is given.
package report
