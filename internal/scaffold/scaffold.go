package scaffold

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/store"
)

//go:embed all:template
var template embed.FS

// File is one file of a new estate repository.
type File struct {
	Path string // slash path relative to the repository root
	Data []byte
}

// Files returns the files of a new estate repository, sorted by path, with
// {{year}} and {{next_year}} in their contents replaced from now (so the
// example freeze window and licence expiry lie ahead of the user), and
// {{estate_version}} with pin: the estate the workflow installs (the
// version or commit of the estate that ran init; "latest" when it knows
// neither).
func Files(now time.Time, pin string) ([]File, error) {
	year := now.Year()
	if pin == "" {
		pin = "latest"
	}
	r := strings.NewReplacer("{{year}}", strconv.Itoa(year), "{{next_year}}", strconv.Itoa(year+1), "{{estate_version}}", pin)
	var out []File
	err := fs.WalkDir(template, "template", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := template.ReadFile(p)
		if err != nil {
			return fmt.Errorf("read template %s: %w", p, err)
		}
		out = append(out, File{Path: strings.TrimPrefix(p, "template/"), Data: []byte(r.Replace(string(data)))})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// Conflict is a path of the scaffold that is already taken in the target
// directory.
type Conflict struct {
	Path   string // slash path relative to the target directory
	Reason string // e.g. "already exists"
}

// ConflictError lists every conflict found before anything was written.
type ConflictError struct {
	Dir       string
	Conflicts []Conflict
}

func (e *ConflictError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d path", len(e.Conflicts))
	if len(e.Conflicts) != 1 {
		b.WriteString("s")
	}
	fmt.Fprintf(&b, " of the new estate already taken in %s, nothing written:", e.Dir)
	for _, c := range e.Conflicts {
		fmt.Fprintf(&b, "\n  %s: %s", c.Path, c.Reason)
	}
	return b.String()
}

// Check returns the conflicts that writing files into dir would meet: a
// file that exists (of any type), or a folder on the way that is not a
// directory (a file, or a symlink, which is never followed). A dir that
// does not exist yet has no conflicts; a dir that is not a directory is an
// error.
func Check(dir string, files []File) ([]Conflict, error) {
	info, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("inspect %s: %w", dir, err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("inspect %s: not a directory", dir)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	defer root.Close()
	var out []Conflict
	// blockedDir remembers each folder checked: true when it is taken
	// (reported once, and the files under it are not looked at).
	blockedDir := map[string]bool{}
	for _, f := range files {
		blocked := false
		// Folders on the way: each must be absent or a real directory.
		parts := strings.Split(f.Path, "/")
		for i := 1; i < len(parts) && !blocked; i++ {
			d := strings.Join(parts[:i], "/")
			if b, seen := blockedDir[d]; seen {
				blocked = b
				continue
			}
			fi, err := root.Lstat(d)
			switch {
			case errors.Is(err, fs.ErrNotExist):
			case err != nil:
				out = append(out, Conflict{Path: d, Reason: err.Error()})
				blocked = true
			case fi.Mode()&fs.ModeSymlink != 0:
				out = append(out, Conflict{Path: d, Reason: "is a symbolic link; estate init writes only into real folders"})
				blocked = true
			case !fi.IsDir():
				out = append(out, Conflict{Path: d, Reason: "exists and is not a folder"})
				blocked = true
			}
			blockedDir[d] = blocked
		}
		if blocked {
			continue
		}
		fi, err := root.Lstat(f.Path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			out = append(out, Conflict{Path: f.Path, Reason: err.Error()})
		case fi.IsDir():
			out = append(out, Conflict{Path: f.Path, Reason: "already exists (a folder)"})
		default:
			out = append(out, Conflict{Path: f.Path, Reason: "already exists"})
		}
	}
	return out, nil
}

// Write creates files in dir (making dir and the folders needed). It
// checks every path first and returns a *ConflictError, having written
// nothing, if any is taken; and it checks every record as estate validate
// would, against the new estate's own estate.yaml and schema/*.cue, and
// returns a *store.RefusedError, having written nothing, if one would be
// refused. Each file is written through the record writer
// (internal/store: atomic, never over an existing file). Should a write
// fail part way (a full disk, or a file that appeared since the check),
// the files it created are removed again. It returns the paths written.
func Write(dir string, files []File) ([]string, error) {
	conflicts, err := Check(dir, files)
	if err != nil {
		return nil, err
	}
	if len(conflicts) > 0 {
		return nil, &ConflictError{Dir: dir, Conflicts: conflicts}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	overlay := make(map[string][]byte, len(files))
	for _, f := range files {
		overlay[f.Path] = f.Data
	}
	st, err := store.Open(context.Background(), store.Options{Dir: dir, Files: overlay})
	if err != nil {
		return nil, fmt.Errorf("check the new estate: %w", err)
	}
	defer st.Close()
	for _, f := range files {
		if load.Classify(f.Path).Kind == "" {
			continue
		}
		if _, errs := st.Check(f.Path, f.Data); len(errs) > 0 {
			return nil, &store.RefusedError{Path: f.Path, Findings: errs}
		}
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	defer root.Close()
	var written, madeDirs []string
	undo := func() {
		for i := len(written) - 1; i >= 0; i-- {
			_ = root.Remove(written[i])
		}
		for i := len(madeDirs) - 1; i >= 0; i-- {
			_ = root.Remove(madeDirs[i]) // only removes folders left empty
		}
	}
	for _, f := range files {
		// Make the folders one by one, remembering those this call made.
		parts := strings.Split(path.Dir(f.Path), "/")
		for i := 1; i <= len(parts) && parts[0] != "."; i++ {
			d := strings.Join(parts[:i], "/")
			err := root.Mkdir(d, 0o755)
			if err == nil {
				madeDirs = append(madeDirs, d)
			} else if !errors.Is(err, fs.ErrExist) {
				undo()
				return nil, fmt.Errorf("create folder %s: %w", d, err)
			}
		}
		if err := st.Write(f.Path, f.Data, store.Create); err != nil {
			undo()
			return nil, fmt.Errorf("create %s: %w", f.Path, err)
		}
		written = append(written, f.Path)
	}
	if err := st.Close(); err != nil {
		undo()
		return nil, fmt.Errorf("sync %s: %w", dir, err)
	}
	return written, nil
}
