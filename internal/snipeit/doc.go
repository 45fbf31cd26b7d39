// Package snipeit reads and writes Snipe-IT asset CSV files: the columns
// of Snipe-IT's asset importer (Asset Tag, Item Name, Category, Status,
// Serial Number, Purchase Date, Warranty Months, Checked Out To: Email, ...)
// and the extra columns estate writes so an export re-imports losslessly.
//
// Reading copes with what real files hold: a UTF-8 byte-order mark, CRLF
// and CR-only line endings, quoted commas and line breaks, empty and M/D/YY
// dates, unknown status labels, duplicate asset tags, duplicate or unnamed
// header columns, non-UTF-8 bytes (read as Windows-1252), spreadsheet
// scientific notation and formula-escaped cells. Every row that cannot be
// mapped is returned as a Problem with its row and line, never dropped
// silently; what was changed on the way in is a warning.
//
// Status labels map to lifecycle states, and categories to classes, by a
// default Mapping the user can override with a YAML file (LoadMapping).
//
// The package is pure: it reads bytes and returns records; the CLI decides
// what is written where.
package snipeit
