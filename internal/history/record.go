package history

import (
	"context"
	"slices"
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
	for _, s := range slices.Backward(steps) {
		c := Change{Commit: s.Commit.Hash, Date: time.Unix(s.Commit.Time, 0).UTC(), Author: s.Commit.Author,
			Subject: s.Commit.Subject, Action: s.Action, Path: s.Path, From: s.From, PR: ledger.PRFromSubject(s.Commit.Subject)}
		var oldData, newData []byte
		if s.Action != "added" && s.Commit.Parent != "" {
			p := s.Path
			if s.From != "" {
				p = s.From
			}
			data, _, ok, err := repo.FileAt(s.Commit.Parent, p, load.DefaultLimits.MaxFileBytes)
			if err != nil {
				return nil, err
			}
			if ok {
				oldData = data
			}
		}
		if s.Action != "removed" {
			data, _, ok, err := repo.FileAt(s.Commit.Hash, s.Path, load.DefaultLimits.MaxFileBytes)
			if err != nil {
				return nil, err
			}
			if ok {
				newData = data
			}
		}
		c.Fields = FieldDiff(oldData, newData)
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
