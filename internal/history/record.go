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
	"github.com/estate-dev/estate/internal/ledger/compliance"
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
	// Compliance are the device's compliance changes the ledger's audits
	// recorded, oldest first (internal/ledger/compliance).
	Compliance []compliance.Event `json:"compliance,omitempty"`
	// Incidents are the ledger's incident entries that name the record,
	// in ledger order.
	Incidents []Incident `json:"incidents,omitempty"`
}

// Incident is one incident-opened, incident-closed or incident-reopened
// entry of the ledger.
type Incident struct {
	LedgerEntry int64    `json:"ledger_entry"`
	Kind        string   `json:"kind"`
	Time        string   `json:"time"`
	Issue       int      `json:"issue"`
	Controls    []string `json:"controls,omitempty"`
	Repeat      int      `json:"repeat,omitempty"`
	Severity    string   `json:"severity,omitempty"`
	Due         string   `json:"due,omitempty"`
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
	fields, err := fieldChanges(ctx, repo, steps)
	if err != nil {
		return nil, err
	}
	for i, s := range slices.Backward(steps) {
		c := Change{Commit: s.Commit.Hash, Date: time.Unix(s.Commit.Time, 0).UTC(), Author: s.Commit.Author,
			Subject: s.Commit.Subject, Action: s.Action, Path: s.Path, From: s.From, PR: ledger.PRFromSubject(s.Commit.Subject)}
		c.Fields = fields[i]
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
	for _, e := range entries {
		if in := e.Incident; in != nil && slices.Contains(in.Records, rec.ID) {
			rec.Incidents = append(rec.Incidents, Incident{LedgerEntry: e.Seq, Kind: string(e.Kind), Time: e.Time, Issue: in.Issue,
				Controls: in.Controls, Repeat: in.Repeat, Severity: in.Severity, Due: in.Due})
		}
	}
	return rec, nil
}

// fieldChanges returns the field-level diff of each step (steps newest
// first, from Follow; the result by the same index). On the first-parent
// line the record before a step is the record after the step below it,
// so each version is read and parsed once: all of them streamed through
// one git cat-file (git resolves each commit's path), or read with go-git
// where git cannot be used, parsed on every core as they arrive, diffed
// as soon as both sides of a step are in, and dropped once no step needs
// them.
func fieldChanges(ctx context.Context, repo *gitrepo.Repo, steps []Step) ([][]FieldChange, error) {
	absent := &version{absent: true}
	// What to read: the file after each step, and before a step whose
	// older neighbour does not leave it (the oldest, or a path mismatch).
	// newV and oldV name, per step, the version read (-1: absent).
	var rps []gitrepo.RevPath
	newV, oldV := make([]int, len(steps)), make([]int, len(steps))
	for i := len(steps) - 1; i >= 0; i-- {
		s := steps[i]
		newV[i], oldV[i] = -1, -1
		if s.Action != "removed" {
			newV[i] = len(rps)
			rps = append(rps, gitrepo.RevPath{Rev: s.Commit.Hash, Path: s.Path})
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
			oldV[i] = newV[i+1] // no first-parent commit between changed p
			continue
		}
		oldV[i] = len(rps)
		rps = append(rps, gitrepo.RevPath{Rev: s.Commit.Parent, Path: p})
	}
	usedBy := make([][]int, len(rps)) // version → the steps that diff it
	for i := range steps {
		for _, k := range []int{oldV[i], newV[i]} {
			if k >= 0 {
				usedBy[k] = append(usedBy[k], i)
			}
		}
	}
	out := make([][]FieldChange, len(steps))
	claimed := make([]bool, len(steps))
	var mu sync.Mutex
	parsed := make([]*version, len(rps))
	uses := make([]int, len(rps))
	for k := range usedBy {
		uses[k] = len(usedBy[k])
	}
	get := func(k int) *version {
		if k < 0 {
			return absent
		}
		return parsed[k]
	}
	// arrived records version k and diffs the steps it completes.
	arrived := func(k int, v *version) {
		mu.Lock()
		parsed[k] = v
		var ready []int
		for _, i := range usedBy[k] {
			if !claimed[i] && get(oldV[i]) != nil && get(newV[i]) != nil {
				claimed[i] = true // diffed once, by this arrival
				ready = append(ready, i)
			}
		}
		mu.Unlock()
		for _, i := range ready {
			mu.Lock()
			o, n := get(oldV[i]), get(newV[i])
			mu.Unlock()
			fc := diffVersions(o, n)
			mu.Lock()
			out[i] = fc
			for _, j := range []int{oldV[i], newV[i]} {
				if j >= 0 {
					if uses[j]--; uses[j] == 0 {
						parsed[j] = absent // diffed on both sides: let it go
					}
				}
			}
			mu.Unlock()
		}
	}
	type job struct {
		k    int
		data []byte
	}
	jobs := make(chan job, 256)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				arrived(j.k, parseVersion(j.data))
			}
		}()
	}
	err := readFiles(ctx, repo, rps, func(k int, data []byte, found bool) {
		if found {
			jobs <- job{k, data}
		} else {
			arrived(k, absent)
		}
	})
	close(jobs)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	for i := range steps {
		if oldV[i] < 0 && newV[i] < 0 {
			out[i] = diffVersions(absent, absent)
		}
	}
	return out, nil
}

// readFiles reads each of files and hands it to each, once, in order:
// its bytes, or found false where the revision has no such file. One git
// cat-file streams them all; without git (or with a git that fails)
// go-git reads the rest one by one.
func readFiles(ctx context.Context, repo *gitrepo.Repo, files []gitrepo.RevPath, each func(i int, data []byte, found bool)) error {
	max := load.DefaultLimits.MaxFileBytes
	next := 0 // files before next have been handed out
	if cat, err := repo.StartCatFile(ctx); err == nil {
		serr := cat.StreamFiles(ctx, files, max, func(i int, _ string, data []byte, err error) error {
			if errors.Is(err, load.ErrTooLarge) {
				return fmt.Errorf("read %s at %s: %w", files[i].Path, files[i].Rev, err)
			}
			// Any other error: no such file in that revision (missing,
			// or not a file).
			each(i, data, err == nil)
			next = i + 1
			return nil
		})
		cat.Close()
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if serr == nil || errors.Is(serr, load.ErrTooLarge) {
			return serr
		}
	}
	for i := next; i < len(files); i++ {
		data, _, ok, err := repo.FileAt(files[i].Rev, files[i].Path, max)
		if err != nil {
			return err
		}
		each(i, data, ok)
	}
	return nil
}
