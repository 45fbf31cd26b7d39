// Package atomicfile writes a file so that a reader sees the old content
// or the new, never a part: into a temporary file in the same folder,
// renamed over the target once complete. estate's caches (validation,
// history index, ledger entries) are written this way (Write), and so is
// every record, inside an os.Root, synced, never replacing a file it was
// not asked to (WriteIn, used by internal/store).
//
// It imports only the standard library.
package atomicfile
