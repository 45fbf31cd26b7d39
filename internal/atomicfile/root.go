package atomicfile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
)

// Mode says what WriteIn may do about a file already at the target.
type Mode uint8

const (
	// Create writes a new file: an existing one is never replaced, and
	// WriteIn fails with an error that matches fs.ErrExist.
	Create Mode = iota
	// Replace replaces an existing regular file whole; a missing one
	// fails with fs.ErrNotExist, a link or folder with an error.
	Replace
)

// WriteIn writes data to name (a slash path inside root; its folder must
// exist) so that a reader, or a process killed part way, sees the old state
// or the new, never a part: the bytes go to a temporary file in the same
// folder (".estate-*.tmp", which estate never reads as a record), and
// the file is then linked into place (Create: the
// link fails if the name is taken, so a file that appeared since the
// caller looked is never overwritten) or renamed over the old one
// (Replace). Every step goes through root, so no symlink leads out of it.
// On error the temporary file is removed and name is left as it was.
//
// A process killed at any point leaves the old file or the new one (the
// kernel keeps what was written). Durability across a power cut is the
// caller's, once per run rather than once per file (one fsync per record
// made a 5,000-record import four times slower): Flush the file system
// when the writing is done.
func WriteIn(root *os.Root, name string, data []byte, mode Mode) error {
	if mode == Replace {
		fi, err := root.Lstat(name)
		if err != nil {
			return err
		}
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("%s is not a regular file: not replaced", name)
		}
	}
	tmp, err := tempIn(root, path.Dir(name), data)
	if err != nil {
		return err
	}
	switch mode {
	case Create:
		err = root.Link(tmp, name)
		if err != nil && !errors.Is(err, fs.ErrExist) {
			// A file system without hard links: check, then rename (a
			// file made in between could be replaced; no better exists).
			if _, serr := root.Lstat(name); serr == nil {
				err = &fs.PathError{Op: "create", Path: name, Err: fs.ErrExist}
			} else if errors.Is(serr, fs.ErrNotExist) {
				if err = root.Rename(tmp, name); err == nil {
					return nil
				}
			}
		}
		_ = root.Remove(tmp)
	default:
		if err = root.Rename(tmp, name); err != nil {
			_ = root.Remove(tmp)
		}
	}
	return err
}

// tempIn writes data to a new temporary file in dir (inside root) and
// returns its name.
func tempIn(root *os.Root, dir string, data []byte) (string, error) {
	var b [8]byte
	for try := 0; ; try++ {
		_, _ = rand.Read(b[:])
		name := path.Join(dir, ".estate-"+hex.EncodeToString(b[:])+".tmp")
		f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) && try < 8 {
			continue
		}
		if err != nil {
			return "", err
		}
		_, err = f.Write(data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = root.Remove(name)
			return "", err
		}
		return name, nil
	}
}

// Flush makes what WriteIn wrote inside root durable: the file system
// holding root is synced (syncfs(2) on Linux; elsewhere every folder
// given is synced, and the files with them where the platform does).
func Flush(root *os.Root, dirs []string) error {
	if err := syncFS(root); err == nil {
		return nil
	}
	var err error
	for _, d := range dirs {
		err = errors.Join(err, SyncDir(root, d))
	}
	return err
}

// SyncDir flushes dir's entries (inside root) to disk, so the files
// WriteIn linked or renamed into it survive a power cut. A platform that
// cannot sync a folder (Windows) is not an error.
func SyncDir(root *os.Root, dir string) error {
	f, err := root.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil && !errors.Is(err, errors.ErrUnsupported) && !isInvalid(err) {
		return err
	}
	return nil
}

func isInvalid(err error) bool {
	var pe *fs.PathError
	return errors.As(err, &pe) && errors.Is(pe.Err, fs.ErrInvalid) || errors.Is(err, os.ErrInvalid)
}
