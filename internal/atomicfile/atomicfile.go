// Package atomicfile writes a file so that a reader sees the old content
// or the new, never a part: into a temporary file in the same folder,
// renamed over the target once complete. estate's caches (validation,
// history index, ledger entries) are written this way (Write), and so is
// every record, inside an os.Root, synced, never replacing a file it was
// not asked to (WriteIn, used by internal/store).
//
// It imports only the standard library.
package atomicfile

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
)

// Write creates path's folder if needed and writes path with what fill
// writes to w (buffered). On any error the temporary file is removed and
// path is left as it was.
func Write(path string, fill func(w io.Writer) error) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+"-*.tmp")
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(tmp, 1<<16)
	err = fill(w)
	if err == nil {
		err = w.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}
