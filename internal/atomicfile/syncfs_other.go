//go:build !linux

package atomicfile

import (
	"errors"
	"os"
)

// syncFS is Linux's; elsewhere Flush syncs folder by folder.
func syncFS(*os.Root) error { return errors.ErrUnsupported }
