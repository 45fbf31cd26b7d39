package gitstore

import (
	"context"
	"fmt"
	"sort"

	"github.com/estate-dev/estate/internal/gitrepo"
	"github.com/estate-dev/estate/internal/history"
	"github.com/estate-dev/estate/internal/ledger"
	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/record"
)

// MaxFields bounds the field paths kept per affected record.
const MaxFields = 64

// Describe builds the change-implemented entry of commit, a commit of the
// default branch: its commits, time (committer time), pull request (from
// the message), author (of the pull request's head for a merge commit),
// the records it changed field by field against its first parent, and
// the change request it added or changed (changes/*.yaml). Approvers are
// left to the caller.
func Describe(ctx context.Context, repo *gitrepo.Repo, commit string) (*ledger.Entry, error) {
	ci, err := repo.Commit(commit)
	if err != nil {
		return nil, err
	}
	e := &ledger.Entry{Kind: ledger.KindChangeImplemented, Time: ledger.FormatTime(ci.Time),
		Commits: &ledger.Commits{Merge: ci.Hash}, PR: ledger.PRFromSubject(ci.Subject), Title: ci.Subject, Author: ci.AuthorEmail}
	if len(ci.Parents) > 0 {
		e.Commits.Base = ci.Parents[0]
	}
	if len(ci.Parents) > 1 {
		e.Commits.Head = ci.Parents[1]
		head, err := repo.Commit(ci.Parents[1])
		if err != nil {
			return nil, err
		}
		e.Author = head.AuthorEmail
	}
	chs, err := repo.Changes(ctx, commit, true)
	if err != nil {
		return nil, err
	}
	var cr *record.ChangeRequest
	for _, ch := range chs {
		place := load.Classify(ch.Path())
		if place.Kind == "" || place.Problem != "" {
			continue
		}
		var oldData, newData []byte
		if ch.FromBlob != "" {
			if oldData, err = repo.ReadBlob(ch.FromBlob, load.DefaultLimits.MaxFileBytes); err != nil {
				return nil, err
			}
		}
		if ch.ToBlob != "" {
			if newData, err = repo.ReadBlob(ch.ToBlob, load.DefaultLimits.MaxFileBytes); err != nil {
				return nil, err
			}
		}
		a := ledger.Affected{ID: place.ID, Kind: string(place.Kind), Class: place.Class, Path: ch.Path(), Action: ch.Action}
		if ch.Action == "renamed" {
			a.From = ch.From
		}
		if ch.Action == "removed" {
			if p := load.Classify(ch.From); p.Class != "" {
				a.Class = p.Class
			}
		}
		if ch.Action == "modified" || ch.Action == "renamed" {
			a.Fields = history.Fields(history.FieldDiff(oldData, newData))
			if len(a.Fields) > MaxFields {
				a.Fields = append(a.Fields[:MaxFields], fmt.Sprintf("(and %d more)", len(a.Fields)-MaxFields))
			}
		}
		e.Records = append(e.Records, a)
		if place.Kind == record.KindChangeRequest && ch.ToBlob != "" && cr == nil {
			var c record.ChangeRequest
			if decodeRecord(ch.Path(), newData, &c) && c.ID != "" {
				cr = &c
			}
		}
	}
	sort.Slice(e.Records, func(i, j int) bool { return e.Records[i].Path < e.Records[j].Path })
	if cr != nil {
		e.Change, e.Title, e.Type, e.Risk = cr.ID, cr.Title, cr.Type, cr.Risk
	}
	return e, nil
}

// Settings reads estate.yaml at commit (nil when absent or unreadable).
func Settings(repo *gitrepo.Repo, commit string) *record.Settings {
	data, _, ok, err := repo.FileAt(commit, "estate.yaml", load.DefaultLimits.MaxFileBytes)
	if err != nil || !ok {
		return nil
	}
	var s record.Settings
	if !decodeRecord("estate.yaml", data, &s) {
		return nil
	}
	return &s
}

// Policy reads policies/change-control.yaml at commit (nil when absent or
// unreadable). cache maps blob ids to decoded policies.
func Policy(repo *gitrepo.Repo, commit string, cache map[string]*record.ChangePolicy) *record.ChangePolicy {
	ci, err := repo.Commit(commit)
	if err != nil {
		return nil
	}
	return PolicyInTree(repo, ci.Tree, cache)
}

// PolicyInTree is Policy for a tree hash.
func PolicyInTree(repo *gitrepo.Repo, tree string, cache map[string]*record.ChangePolicy) *record.ChangePolicy {
	blob, ok, err := repo.PathHash(tree, "policies/change-control.yaml")
	if err != nil || !ok {
		return nil
	}
	if p, ok := cache[blob]; ok {
		return p
	}
	var pp *record.ChangePolicy
	if data, err := repo.ReadBlob(blob, load.DefaultLimits.MaxFileBytes); err == nil {
		var p record.ChangePolicy
		if decodeRecord("policies/change-control.yaml", data, &p) {
			pp = &p
		}
	}
	if cache != nil {
		cache[blob] = pp
	}
	return pp
}
