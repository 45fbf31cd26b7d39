package atomicfile

import (
	"os"

	"golang.org/x/sys/unix"
)

// syncFS syncs the whole file system holding root, once: every file and
// folder written is on disk when it returns.
func syncFS(root *os.Root) error {
	f, err := root.Open(".")
	if err != nil {
		return err
	}
	defer f.Close()
	return unix.Syncfs(int(f.Fd()))
}
