package core

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/validate"
)

// ErrNoEstate is returned (with ErrUsage) by FindRoot when no folder at
// or above the starting one is an estate.
var ErrNoEstate = errors.New("no estate found")

// FindRoot finds the root of the estate dir is in, as git finds a
// repository: walking up from dir, the first folder holding estate.yaml,
// or, when a folder holding .git (a directory or, in a worktree or
// submodule, a file) comes first, that folder: the git repository's
// root. The walk never leaves the git repository dir is in. The result is
// an absolute path; the error is ErrNoEstate (and ErrUsage) when dir is
// in neither, or when dir does not exist.
func FindRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("find the estate: %w", err)
	}
	if info, err := os.Stat(abs); err != nil {
		return "", usage(fmt.Errorf("find the estate: %w", err), "name a folder of the estate with --repo")
	} else if !info.IsDir() {
		return "", usage(fmt.Errorf("find the estate: %s is not a folder", dir), "name a folder of the estate with --repo")
	}
	for d := abs; ; {
		if exists(filepath.Join(d, "estate.yaml")) || exists(filepath.Join(d, ".git")) {
			return d, nil
		}
		up := filepath.Dir(d)
		if up == d {
			break
		}
		d = up
	}
	return "", usage(fmt.Errorf("%w in %s or any folder above it", ErrNoEstate, abs),
		"run estate in an estate (a folder holding estate.yaml, or a git repository), start one with estate init, or name one with --repo")
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil || !errors.Is(err, fs.ErrNotExist)
}

// under reports whether slash path p is pre or inside it ("." holds all).
func under(p, pre string) bool {
	return pre == "." || p == pre || strings.HasPrefix(p, pre+"/")
}

// checkSeen refuses a run that would check nothing, so that it can never
// pass for a clean one: an estate with no record but its settings (when
// RequireRecords says so, and nothing was found wrong), and a path argument (prefixes, relative to the root) that
// names no record file of the estate, because it does not exist or
// holds none.
func (o Options) checkSeen(res *validate.Result, prefixes []string) error {
	records := 0
	for _, r := range res.Estate.Records {
		if r.Kind != record.KindSettings {
			records++
		}
	}
	if o.RequireRecords && records == 0 && len(res.Findings) == 0 {
		return usage(errors.New("the estate holds no records"),
			"records are YAML files under inventory/, policies/ and changes/ (see the layout in the README); estate init starts an estate")
	}
	for i, pre := range prefixes {
		seen := false
		for _, r := range res.Estate.Records {
			if seen = under(r.Path, pre); seen {
				break
			}
		}
		for j := 0; !seen && j < len(res.Findings); j++ {
			seen = under(res.Findings[j].Pos.File, pre)
		}
		if seen {
			continue
		}
		arg := o.Paths[i]
		p := arg
		if !filepath.IsAbs(p) {
			p = filepath.Join(o.dir(), p)
		}
		if _, err := os.Stat(p); o.Rev == "" && err != nil {
			return usage(fmt.Errorf("%s: no such file or folder", arg), "name files or folders of the estate")
		}
		return usage(fmt.Errorf("%s holds no record of the estate", arg),
			"records are YAML files under inventory/, policies/ and changes/ (see the layout in the README)")
	}
	return nil
}
