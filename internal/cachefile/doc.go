// Package cachefile is the one container every cache estate keeps in
// .git/estate is written in, so that a damaged cache is noticed and never
// trusted: a magic number, the cache's name, its format version, the
// payload's length and a SHA-256 of all of it, then the payload.
//
// Read returns the payload only when every byte checks; Load turns a bad
// file into a warning (slog) and no payload, so the caller rebuilds the
// cache and its results equal a run without one. Files are written
// through internal/atomicfile. It imports nothing else of estate's.
package cachefile
