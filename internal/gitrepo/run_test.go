package gitrepo

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/estate-dev/estate/internal/gitrepo/gittest"
)

func needGit(t testing.TB) { gittest.NeedCLI(t) }

// TestRunnerErrorCarriesStderr: a failing git is a *GitError with what
// git wrote to stderr, its arguments and its exit status.
func TestRunnerErrorCarriesStderr(t *testing.T) {
	needGit(t)
	g := Git{Dir: t.TempDir(), Env: []string{"GIT_CEILING_DIRECTORIES=" + os.TempDir()}}
	_, err := g.Output(context.Background(), "rev-parse", "HEAD")
	var ge *GitError
	if !errors.As(err, &ge) {
		t.Fatalf("got %v (%T), want a *GitError", err, err)
	}
	if !strings.Contains(ge.Stderr, "not a git repository") || !strings.Contains(err.Error(), "not a git repository") {
		t.Errorf("stderr %q, error %q: git's message is lost", ge.Stderr, err)
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() == 0 || ge.Args[0] != "rev-parse" {
		t.Errorf("error %v: want git's exit status and arguments", err)
	}
	if errors.Is(err, ErrNoGit) {
		t.Error("a failing git is not a missing one")
	}
}

// TestRunnerStreamsAndFeeds: stdin goes in, stdout streams out.
func TestRunnerStreamsAndFeeds(t *testing.T) {
	needGit(t)
	g := Git{Dir: t.TempDir()}
	var out strings.Builder
	if err := g.Run(context.Background(), Command{Args: []string{"hash-object", "--stdin"}, Stdin: strings.NewReader("hello\n"), Stdout: &out}); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(out.String()); got != "ce013625030ba8dba906f756967f9e9ca394464a" {
		t.Fatalf("git hash-object: %q", got)
	}
	err := g.Stream(context.Background(), []string{"version"}, func(r io.Reader) error {
		b, err := io.ReadAll(r)
		if err == nil && !strings.HasPrefix(string(b), "git version") {
			t.Errorf("git version said %q", b)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestRunnerContextKillsGit: cancelling the context kills a git that
// would run on, and the error says so.
func TestRunnerContextKillsGit(t *testing.T) {
	needGit(t)
	ctx, cancel := context.WithCancel(context.Background())
	// cat-file --batch waits on its input for ever.
	p, err := (Git{Dir: t.TempDir()}).Start(ctx, Command{Args: []string{"cat-file", "--batch"}, PipeStdin: true})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stdin.Close()
	done := make(chan error, 1)
	go func() {
		io.Copy(io.Discard, p.Stdout)
		done <- p.Wait()
	}()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("git was not killed")
	}
}

// TestRunnerFallbackSignals: no git on PATH, or a git that refuses the
// repository, is ErrNoGit (callers read with go-git instead).
func TestRunnerFallbackSignals(t *testing.T) {
	bin := t.TempDir()
	t.Setenv("PATH", bin)
	if _, err := (Git{}).Output(context.Background(), "version"); !errors.Is(err, ErrNoGit) {
		t.Fatalf("without git: %v, want ErrNoGit", err)
	}
	fake := "#!/bin/sh\necho \"fatal: detected dubious ownership in repository at '/x'\" >&2\nexit 128\n"
	if err := os.WriteFile(filepath.Join(bin, "git"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := (Git{}).Output(context.Background(), "log")
	var ge *GitError
	if !errors.Is(err, ErrNoGit) || !errors.As(err, &ge) || !strings.Contains(ge.Stderr, "dubious ownership") {
		t.Fatalf("a refusing git: %v, want ErrNoGit with its stderr", err)
	}
}
