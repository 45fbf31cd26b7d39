// Package workflows holds no code: its test lints the repository's GitHub
// Actions workflows (.github/workflows) with actionlint, used as a
// library, and checks the rules the change gate's workflow keeps: no
// pull_request_target, least-privilege permissions, actions pinned by
// commit SHA.
package workflows
