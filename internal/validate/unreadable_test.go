package validate_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/validate"
)

// deniedTree is a working tree in which the file system refuses to open
// one file, as it does a chmod 000 file to anyone but root.
type deniedTree struct {
	*load.Dir
	path string
}

func (d deniedTree) ReadFile(e load.Entry, max int64) ([]byte, error) {
	if e.Path == d.path {
		return nil, &fs.PathError{Op: "openat", Path: filepath.Base(e.Path), Err: fs.ErrPermission}
	}
	return d.Dir.ReadFile(e, max)
}

// TestUnreadableFileIsAFinding: a file nobody may read is a finding on
// that file, and every other record is still checked and loaded.
func TestUnreadableFileIsAFinding(t *testing.T) {
	const mn = "inventory/monitor/MN-00001.yaml"
	dir := newEstateDir(t, nil, nil)
	d, err := load.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var tree load.Tree = deniedTree{Dir: d, path: mn}
	if os.Geteuid() != 0 {
		// Not root: the file system itself refuses.
		full := filepath.Join(dir, filepath.FromSlash(mn))
		if err := os.Chmod(full, 0); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(full, 0o644)
		tree = d
	}
	res, err := validate.Run(context.Background(), validate.Options{Tree: tree})
	if err != nil {
		t.Fatalf("one unreadable file stopped the run: %v", err)
	}
	checkFindings(t, res.Findings, []want{{mn, 0, 0, "file", "cannot read the file: permission denied; it was not checked"}})
	if res.Estate.Assets["MN-00001"] != nil || len(res.Estate.Records) != len(cleanEstate)-1 {
		t.Errorf("%d records loaded, want all %d others", len(res.Estate.Records), len(cleanEstate)-1)
	}
}
