package history

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/load"
)

// Change is one change to a record, as `estate history` reports it.
type Change struct {
	Commit  string    `json:"commit"`
	Date    time.Time `json:"date"` // committer time
	Author  string    `json:"author"`
	Subject string    `json:"subject"`
	Action  string    `json:"action"` // added, modified, removed, renamed
	Path    string    `json:"path"`
	From    string    `json:"from,omitempty"`
	// From the ledger (or the merge commit's message, for the PR).
	PR          int               `json:"pr,omitempty"`
	Change      string            `json:"change,omitempty"`
	Type        string            `json:"type,omitempty"`
	Risk        string            `json:"risk,omitempty"`
	Approvers   []ledger.Approval `json:"approvers,omitempty"`
	LedgerEntry int64             `json:"ledger_entry,omitempty"`
	Verified    bool              `json:"verified,omitempty"`
	Fields      []FieldChange     `json:"fields"`
}

// Record is the history of one record, oldest change first.
type Record struct {
	ID      string   `json:"id"`
	Path    string   `json:"path"` // at the revision asked for (or where it was last seen)
	Head    string   `json:"head"`
	Changes []Change `json:"changes"`
}

// Describe turns steps (newest first, from Follow) into the record's
// history, oldest first: the field-level diff of each change against its
// first parent, and the pull request, change request and approvers the
// ledger recorded for the commit.
func Describe(ctx context.Context, repo *gitrepo.Repo, head, path string, steps []Step, entries []*ledger.Entry) (*Record, error) {
	byMerge := map[string]*ledger.Entry{}
	verified := map[int64]bool{}
	for _, e := range entries {
		switch e.Kind {
		case ledger.KindChangeImplemented:
			if _, ok := byMerge[e.Merge()]; !ok && e.Merge() != "" {
				byMerge[e.Merge()] = e
			}
		case ledger.KindChangeVerified:
			for _, s := range e.Verifies {
				verified[s] = true
			}
		}
	}
	rec := &Record{ID: load.Classify(path).ID, Path: path, Head: head, Changes: []Change{}}
	versions, err := readVersions(ctx, repo, steps)
	if err != nil {
		return nil, err
	}
	for i, s := range slices.Backward(steps) {
		c := Change{Commit: s.Commit.Hash, Date: time.Unix(s.Commit.Time, 0).UTC(), Author: s.Commit.Author,
			Subject: s.Commit.Subject, Action: s.Action, Path: s.Path, From: s.From, PR: ledger.PRFromSubject(s.Commit.Subject)}
		c.Fields = diffVersions(versions[i].old, versions[i].new)
		if c.Fields == nil {
			c.Fields = []FieldChange{}
		}
		if e := byMerge[s.Commit.Hash]; e != nil {
			if e.PR != 0 {
				c.PR = e.PR
			}
			c.Change, c.Type, c.Risk, c.Approvers, c.LedgerEntry, c.Verified = e.Change, e.Type, e.Risk, e.Approvers, e.Seq, verified[e.Seq]
			if e.Author != "" {
				c.Author = e.Author
			}
		}
		rec.Changes = append(rec.Changes, c)
	}
	return rec, nil
}

// stepVersions are the record before and after one step.
type stepVersions struct{ old, new *version }

// readVersions reads and parses the record before and after each step
// (steps newest first, from Follow; the result by the same index). On the
// first-parent line the record before a step is the record after the
// step below it, so each version is read and parsed once: all of them
// through one pipelined git cat-file (git resolves each commit's path),
// or with go-git where git cannot be used.
func readVersions(ctx context.Context, repo *gitrepo.Repo, steps []Step) ([]stepVersions, error) {
	out := make([]stepVersions, len(steps))
	absent := &version{absent: true}
	// What to read: the file after each step, and before a step whose
	// older neighbour does not leave it (the oldest, or a path mismatch).
	type want struct {
		rp   gitrepo.RevPath
		slot **version
	}
	var wants []want
	for i := len(steps) - 1; i >= 0; i-- {
		s := steps[i]
		out[i].new, out[i].old = absent, absent
		if s.Action != "removed" {
			wants = append(wants, want{gitrepo.RevPath{Rev: s.Commit.Hash, Path: s.Path}, &out[i].new})
		}
	}
	for i, s := range steps {
		if s.Action == "added" || s.Commit.Parent == "" {
			continue
		}
		p := s.Path
		if s.From != "" {
			p = s.From
		}
		if i+1 < len(steps) && steps[i+1].Path == p && steps[i+1].Action != "removed" {
			continue // the older step's version: no first-parent commit between changed p
		}
		wants = append(wants, want{gitrepo.RevPath{Rev: s.Commit.Parent, Path: p}, &out[i].old})
	}
	rps := make([]gitrepo.RevPath, len(wants))
	for k, w := range wants {
		rps[k] = w.rp
	}
	datas, found, err := readFiles(ctx, repo, rps)
	if err != nil {
		return nil, err
	}
	// Parse on every core; a version is a small document.
	parsed := make([]*version, len(wants))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(wants)/64))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := w; k < len(wants); k += workers {
				if found[k] {
					parsed[k] = parseVersion(datas[k])
				} else {
					parsed[k] = absent
				}
			}
		}()
	}
	wg.Wait()
	for k, w := range wants {
		*w.slot = parsed[k]
	}
	for i := range steps {
		s := steps[i]
		if s.Action == "added" || s.Commit.Parent == "" || out[i].old != absent {
			continue
		}
		p := s.Path
		if s.From != "" {
			p = s.From
		}
		if i+1 < len(steps) && steps[i+1].Path == p && steps[i+1].Action != "removed" {
			out[i].old = out[i+1].new
		}
	}
	return out, nil
}

// readFiles reads each of files: its bytes, or found false where the
// revision has no such file. One git cat-file streams them all; without
// git (or with a git that fails) go-git reads them one by one.
func readFiles(ctx context.Context, repo *gitrepo.Repo, files []gitrepo.RevPath) (datas [][]byte, found []bool, err error) {
	max := load.DefaultLimits.MaxFileBytes
	datas, found = make([][]byte, len(files)), make([]bool, len(files))
	if cat, err := repo.StartCatFile(ctx); err == nil {
		serr := cat.StreamFiles(ctx, files, max, func(i int, _ string, data []byte, err error) error {
			switch {
			case errors.Is(err, load.ErrTooLarge):
				return fmt.Errorf("read %s at %s: %w", files[i].Path, files[i].Rev, err)
			case err == nil:
				datas[i], found[i] = data, true
			}
			// Anything else: no such file in that revision (missing, or
			// not a file).
			return nil
		})
		cat.Close()
		if serr == nil || errors.Is(serr, load.ErrTooLarge) || ctx.Err() != nil {
			if cerr := ctx.Err(); cerr != nil {
				return nil, nil, cerr
			}
			return datas, found, serr
		}
	}
	for i, f := range files {
		data, _, ok, err := repo.FileAt(f.Rev, f.Path, max)
		if err != nil {
			return nil, nil, err
		}
		datas[i], found[i] = data, ok
	}
	return datas, found, nil
}
