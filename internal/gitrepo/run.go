package gitrepo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
)

// ErrNoGit says the git CLI cannot be used here: it is not installed, the
// repository has no directory git could be pointed at, or git refuses the
// repository (one owned by another user: "dubious ownership"). Callers
// that have a go-git way fall back to it on this error.
var ErrNoGit = errors.New("the git command is not available")

// Git runs the git CLI: every git process estate starts goes through it.
// The zero value runs git in the current directory with the current
// environment.
type Git struct {
	Dir    string   // the directory git runs in ("" = the current one)
	GitDir string   // passed as --git-dir when set
	Env    []string // added to the environment, KEY=value
}

// Command is one git invocation.
type Command struct {
	Args []string // git's arguments, the subcommand first
	// Stdin is the command's input; with PipeStdin set instead, the
	// process's Stdin is a pipe the caller writes (and closes).
	Stdin     io.Reader
	PipeStdin bool
	// Stdout receives the output as it is written; nil makes the
	// process's Stdout a pipe the caller reads to the end.
	Stdout io.Writer
}

// GitError is a git command that failed: its arguments, what it wrote to
// stderr (trimmed, at most maxStderr bytes) and why it stopped (an
// *exec.ExitError, or the context's error when the context ended it).
type GitError struct {
	Args   []string
	Stderr string
	Err    error
}

// maxStderr bounds the stderr a GitError keeps.
const maxStderr = 16 << 10

func (e *GitError) Error() string {
	sub := "git"
	if len(e.Args) > 0 {
		sub += " " + e.Args[0]
	}
	if e.Stderr == "" {
		return fmt.Sprintf("%s: %v", sub, e.Err)
	}
	return fmt.Sprintf("%s: %v: %s", sub, e.Err, e.Stderr)
}

func (e *GitError) Unwrap() error { return e.Err }

// Is makes a git that refuses the repository ErrNoGit: estate reads it
// with go-git instead.
func (e *GitError) Is(target error) bool {
	return target == ErrNoGit && refusesRepository(e.Stderr)
}

// refusesRepository reports whether git's stderr says it will not work in
// the repository at all (as opposed to failing at the task).
func refusesRepository(stderr string) bool {
	return strings.Contains(stderr, "dubious ownership") || strings.Contains(stderr, "unsafe repository")
}

// Process is a running git command.
type Process struct {
	Stdin  io.WriteCloser // with Command.PipeStdin
	Stdout io.ReadCloser  // when Command.Stdout was nil
	args   []string
	cmd    *exec.Cmd
	ctx    context.Context
	stderr *capBuffer
}

// Start starts git. ErrNoGit when git is not installed. The process is
// killed when ctx ends; Wait must be called to release it.
func (g Git) Start(ctx context.Context, c Command) (*Process, error) {
	bin, err := exec.LookPath("git")
	if err != nil {
		return nil, ErrNoGit
	}
	var args []string
	if g.GitDir != "" {
		args = append(args, "--git-dir", g.GitDir)
	}
	args = append(args, c.Args...)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = g.Dir
	if len(g.Env) > 0 {
		cmd.Env = append(os.Environ(), g.Env...)
	}
	p := &Process{args: c.Args, cmd: cmd, ctx: ctx, stderr: &capBuffer{max: maxStderr}}
	cmd.Stderr = p.stderr
	switch {
	case c.PipeStdin:
		if p.Stdin, err = cmd.StdinPipe(); err != nil {
			return nil, p.fail(err)
		}
	case c.Stdin != nil:
		cmd.Stdin = c.Stdin
	}
	if c.Stdout != nil {
		cmd.Stdout = c.Stdout
	} else if p.Stdout, err = cmd.StdoutPipe(); err != nil {
		return nil, p.fail(err)
	}
	if err := cmd.Start(); err != nil {
		return nil, p.fail(err)
	}
	return p, nil
}

// Wait waits for git to exit and releases it: a *GitError carrying its
// stderr when it failed. Read Stdout to the end first.
func (p *Process) Wait() error {
	err := p.cmd.Wait()
	if err != nil {
		return p.fail(err)
	}
	return nil
}

func (p *Process) fail(err error) error {
	if cerr := p.ctx.Err(); cerr != nil {
		err = cerr
	}
	return &GitError{Args: p.args, Stderr: strings.TrimSpace(p.stderr.String()), Err: err}
}

// Run runs git to completion with c.Stdout (nil: discarded).
func (g Git) Run(ctx context.Context, c Command) error {
	if c.Stdout == nil {
		c.Stdout = io.Discard
	}
	p, err := g.Start(ctx, c)
	if err != nil {
		return err
	}
	return p.Wait()
}

// Output runs git with args and returns what it wrote to stdout.
func (g Git) Output(ctx context.Context, args ...string) ([]byte, error) {
	var out bytes.Buffer
	err := g.Run(ctx, Command{Args: args, Stdout: &out})
	return out.Bytes(), err
}

// Stream runs git with args and hands its stdout to read while it runs.
// What read leaves unread is drained; read's error wins over git's.
func (g Git) Stream(ctx context.Context, args []string, read func(io.Reader) error) error {
	p, err := g.Start(ctx, Command{Args: args})
	if err != nil {
		return err
	}
	rerr := read(p.Stdout)
	if rerr != nil {
		io.Copy(io.Discard, p.Stdout)
	}
	werr := p.Wait()
	if rerr != nil {
		return rerr
	}
	return werr
}

// capBuffer keeps the first max bytes written to it and discards the rest.
type capBuffer struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

func (b *capBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.max - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (b *capBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Git returns the runner for r: git pointed at r's git directory
// (--git-dir), run in the directory r was opened at (so a remote given as
// a relative path is relative to it). ErrNoGit when r is not on disk.
func (r *Repo) Git() (Git, error) {
	dir, err := r.gitDir()
	if err != nil {
		return Git{}, ErrNoGit
	}
	return Git{Dir: r.dir, GitDir: dir}, nil
}
