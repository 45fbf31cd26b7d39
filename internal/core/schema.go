package core

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/schema"
)

// EffectiveSchema compiles the schema the estate dir is in checks its
// records against: the built-in CUE unified with the repository's
// schema/*.cue (what estate schema prints for editors and cue vet). The
// folder is found as Open finds it (FindRoot), and the files are read
// through the estate's os.Root, so no link leads out of it. A schema that
// does not compile is the request's fault (ErrUsage).
func EffectiveSchema(dir string) (*schema.Schema, error) {
	root, err := FindRoot(cmpOr(dir, "."))
	if err != nil {
		return nil, err
	}
	d, err := load.OpenDir(root)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	des, err := os.ReadDir(filepath.Join(root, "schema"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read schema/: %w", err)
	}
	var srcs []schema.Source
	for _, de := range des {
		if de.IsDir() || !strings.HasSuffix(de.Name(), ".cue") {
			continue
		}
		p := "schema/" + de.Name()
		data, err := d.ReadFile(load.Entry{Path: p}, load.DefaultLimits.MaxFileBytes)
		if err != nil {
			return nil, usage(fmt.Errorf("read %s: %w", p, err), "")
		}
		srcs = append(srcs, schema.Source{Name: p, Data: data})
	}
	sort.Slice(srcs, func(i, j int) bool { return srcs[i].Name < srcs[j].Name })
	s, err := schema.New(srcs)
	if err != nil {
		return nil, usage(err, "fix the repository's schema/*.cue files (estate validate places the error)")
	}
	return s, nil
}
