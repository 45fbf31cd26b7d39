package synth

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/estate-dev/estate/internal/gitrepo"
)

// ChangeRepoConfig says what ChangeRepo builds.
type ChangeRepoConfig struct {
	Estate Config // the estate on main
	// Touch is how many assets the change branch edits (owner and
	// location reassigned: a standard change in the generated policy).
	Touch int
	// Request adds a change request to the branch.
	Request bool
}

// ChangeRepo makes a real git repository in dir (with the git CLI): the
// generated estate committed on main, and a branch "change" that edits
// cfg.Touch assets in one commit. It returns the two commits' hashes.
// It is for change-plan tests and benchmarks.
func ChangeRepo(ctx context.Context, dir string, cfg ChangeRepoConfig) (base, head string, err error) {
	files := Generate(cfg.Estate)
	if err := Write(dir, files); err != nil {
		return "", "", err
	}
	runner := gitrepo.Git{Dir: dir, Env: []string{"GIT_AUTHOR_NAME=synth", "GIT_AUTHOR_EMAIL=synth@example.org",
		"GIT_COMMITTER_NAME=synth", "GIT_COMMITTER_EMAIL=synth@example.org",
		"GIT_AUTHOR_DATE=2026-11-20T10:00:00Z", "GIT_COMMITTER_DATE=2026-11-20T10:00:00Z", "GIT_CONFIG_NOSYSTEM=1", "HOME=" + dir}}
	git := func(args ...string) (string, error) {
		out, err := runner.Output(ctx, args...)
		return strings.TrimSpace(string(out)), err
	}
	steps := [][]string{{"init", "-q", "-b", "main"}, {"add", "-A"}, {"commit", "-q", "-m", "estate"}}
	for _, s := range steps {
		if _, err := git(s...); err != nil {
			return "", "", err
		}
	}
	if base, err = git("rev-parse", "HEAD"); err != nil {
		return "", "", err
	}
	if _, err := git("checkout", "-q", "-b", "change"); err != nil {
		return "", "", err
	}
	touched := 0
	for _, f := range files {
		if touched == cfg.Touch {
			break
		}
		if !strings.HasPrefix(f.Path, "inventory/") || strings.HasPrefix(f.Path, "inventory/locations/") || strings.HasPrefix(f.Path, "inventory/licences/") {
			continue
		}
		doc := string(f.Data)
		if !strings.Contains(doc, "\nowner: ") {
			continue
		}
		lines := strings.Split(doc, "\n")
		for i, l := range lines {
			if strings.HasPrefix(l, "owner: ") {
				lines[i] = fmt.Sprintf("owner: new.owner%d@example.org", touched)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(f.Path)), []byte(strings.Join(lines, "\n")), 0o644); err != nil {
			return "", "", fmt.Errorf("write change: %w", err)
		}
		touched++
	}
	if cfg.Request {
		cr := "apiVersion: estate/v1\nkind: ChangeRequest\nid: CR-2026-0100\ntitle: Reassign devices\ntype: normal\nreason: Team move.\nrisk: medium\n"
		if err := os.WriteFile(filepath.Join(dir, "changes", "CR-2026-0100.yaml"), []byte(cr), 0o644); err != nil {
			return "", "", fmt.Errorf("write change: %w", err)
		}
	}
	for _, s := range [][]string{{"add", "-A"}, {"commit", "-q", "-m", fmt.Sprintf("reassign %d devices", touched)}} {
		if _, err := git(s...); err != nil {
			return "", "", err
		}
	}
	if head, err = git("rev-parse", "HEAD"); err != nil {
		return "", "", err
	}
	return base, head, nil
}
