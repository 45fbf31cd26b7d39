package gitrepo

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
)

// FirstParentChanges lists the first-parent commits from head back to
// (not including) stop ("" = the root), newest first, each with the
// files it changed against its first parent, through one `git log
// --first-parent --raw` (C, one process): the fast path of the history
// index when git is installed. Commits carry no Message and no Tree.
// With paths (pathspecs: folders or files), only the commits that changed
// them are listed, with their changes under them, as `git log --
// <paths>` prunes its walk.
func (r *Repo) FirstParentChanges(ctx context.Context, head, stop string, paths ...string) ([]Commit, [][]FileChange, error) {
	g, err := r.Git()
	if err != nil {
		return nil, nil, err
	}
	args := []string{"-c", "core.quotepath=off", "log", "--first-parent", "--diff-merges=first-parent", "--root",
		"--raw", "--no-renames", "--no-abbrev", "--no-ext-diff", "--no-color", "-z",
		"--format=%x01%H%x00%P%x00%ct%x00%ae%x00%an%x00%s", head}
	if stop != "" {
		args = append(args, "^"+stop)
	}
	if len(paths) > 0 {
		args = append(append([]string{"--literal-pathspecs"}, args...), "--")
		args = append(args, paths...)
	}
	var commits []Commit
	var changes [][]FileChange
	err = g.Stream(ctx, args, func(out io.Reader) error {
		var perr error
		commits, changes, perr = parseRawLog(bufio.NewReaderSize(out, 1<<20))
		return perr
	})
	if err != nil {
		return nil, nil, err
	}
	return commits, changes, nil
}

// parseRawLog reads what FirstParentChanges asks git log for: per commit
// \x01, six NUL-terminated header fields, a newline, then raw diff
// entries ":<mode> <mode> <old> <new> <status>\0<path>\0".
func parseRawLog(rd *bufio.Reader) ([]Commit, [][]FileChange, error) {
	var commits []Commit
	var changes [][]FileChange
	field := func() (string, error) {
		b, err := rd.ReadBytes(0)
		if err != nil {
			return "", fmt.Errorf("parse git log: %w", err)
		}
		return string(b[:len(b)-1]), nil
	}
	for {
		c, err := rd.ReadByte()
		if err == io.EOF {
			return commits, changes, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("parse git log: %w", err)
		}
		switch c {
		case '\n':
			continue
		case 1:
			var f [6]string
			for i := range f {
				if f[i], err = field(); err != nil {
					return nil, nil, err
				}
			}
			if len(f[0]) != 40 {
				return nil, nil, fmt.Errorf("parse git log: %q is not a commit id", f[0])
			}
			ci := Commit{Hash: f[0], Subject: f[5], AuthorEmail: f[3], AuthorName: f[4]}
			for _, p := range bytes.Fields([]byte(f[1])) {
				ci.Parents = append(ci.Parents, string(p))
			}
			sec, err := strconv.ParseInt(f[2], 10, 64)
			if err != nil {
				return nil, nil, fmt.Errorf("parse git log: commit time %q: %w", f[2], err)
			}
			ci.Time = time.Unix(sec, 0).UTC()
			commits = append(commits, ci)
			changes = append(changes, nil)
		case ':':
			if len(commits) == 0 {
				return nil, nil, errors.New("parse git log: a change before any commit")
			}
			meta, err := field()
			if err != nil {
				return nil, nil, err
			}
			path, err := field()
			if err != nil {
				return nil, nil, err
			}
			parts := bytes.Fields([]byte(meta))
			if len(parts) != 5 {
				return nil, nil, fmt.Errorf("parse git log: raw entry %q", meta)
			}
			fc := FileChange{}
			switch parts[4][0] {
			case 'A':
				fc.Action, fc.To, fc.ToBlob = "added", path, string(parts[3])
			case 'D':
				fc.Action, fc.From, fc.FromBlob = "removed", path, string(parts[2])
			default:
				fc.Action, fc.From, fc.To, fc.FromBlob, fc.ToBlob = "modified", path, path, string(parts[2]), string(parts[3])
			}
			n := len(changes) - 1
			changes[n] = append(changes[n], fc)
		default:
			return nil, nil, fmt.Errorf("parse git log: unexpected byte %q", c)
		}
	}
}

// FirstParentList lists the first-parent commits from head back to (not
// including) stop ("" = the root), newest first, with `git rev-list`;
// with paths, those that changed them.
func (r *Repo) FirstParentList(ctx context.Context, head, stop string, paths ...string) ([]string, error) {
	g, err := r.Git()
	if err != nil {
		return nil, err
	}
	args := []string{"rev-list", "--first-parent", head}
	if stop != "" {
		args = append(args, "^"+stop)
	}
	if len(paths) > 0 {
		args = append(append([]string{"--literal-pathspecs"}, args...), "--")
		args = append(args, paths...)
	}
	out, err := g.Output(ctx, args...)
	if err != nil {
		return nil, err
	}
	var hs []string
	for _, f := range bytes.Fields(out) {
		hs = append(hs, string(f))
	}
	return hs, nil
}
