package github

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Event is what estate needs of a pull_request or pull_request_review
// event payload. Every string in it is untrusted (the pull request's
// author wrote the title and the branch name).
type Event struct {
	Action   string
	Number   int
	Title    string
	Author   string
	HeadSHA  string
	HeadRef  string
	BaseSHA  string
	BaseRef  string
	Merged   bool
	MergeSHA string
}

// ParseEvent reads a GITHUB_EVENT_PATH payload. It fails when the payload
// holds no pull request (the gate runs on pull_request and
// pull_request_review events) or the pull request has no commits.
func ParseEvent(data []byte) (*Event, error) {
	var p struct {
		Action      string `json:"action"`
		PullRequest *struct {
			Number int    `json:"number"`
			Title  string `json:"title"`
			User   struct {
				Login string `json:"login"`
			} `json:"user"`
			Head struct {
				SHA string `json:"sha"`
				Ref string `json:"ref"`
			} `json:"head"`
			Base struct {
				SHA string `json:"sha"`
				Ref string `json:"ref"`
			} `json:"base"`
			Merged         bool   `json:"merged"`
			MergeCommitSHA string `json:"merge_commit_sha"`
		} `json:"pull_request"`
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("parse event: %w", err)
	}
	pr := p.PullRequest
	if pr == nil || pr.Number <= 0 {
		return nil, errors.New("parse event: it holds no pull request")
	}
	if pr.Head.SHA == "" || pr.Base.SHA == "" {
		return nil, errors.New("parse event: the pull request has no head or base commit")
	}
	return &Event{Action: p.Action, Number: pr.Number, Title: pr.Title, Author: pr.User.Login,
		HeadSHA: pr.Head.SHA, HeadRef: pr.Head.Ref, BaseSHA: pr.Base.SHA, BaseRef: pr.Base.Ref,
		Merged: pr.Merged, MergeSHA: pr.MergeCommitSHA}, nil
}
