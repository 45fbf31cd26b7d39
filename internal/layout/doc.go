// Package layout moves an estate's inventory into the folders its layout
// (estate.yaml layout.prefix, record.LayoutSettings) files records in:
// estate layout migrate. The move is one commit of renames, so history
// and change plans follow every record across it.
package layout
