package facts

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/estate-dev/estate/internal/record"
	skh "github.com/skeema/knownhosts"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"
)

// SSHOptions configure CollectSSH.
type SSHOptions struct {
	User string // login name (required)
	Port int    // default port when a target names none (default 22)
	// KeyFiles are private keys to offer (unencrypted, or use the agent).
	KeyFiles []string
	// AgentSocket, when set, is an ssh-agent socket (SSH_AUTH_SOCK) whose
	// keys are offered too.
	AgentSocket string
	// KnownHosts are known_hosts files. Host keys are always verified
	// against them: an unknown key is refused unless AcceptNew, a changed
	// key always.
	KnownHosts []string
	// AcceptNew accepts the key of a host not in KnownHosts for this run
	// and appends it to the first file (as ssh's accept-new does).
	AcceptNew bool
	// AcceptChanged names hosts (host or host:port) whose key may differ
	// from known_hosts in this run only, e.g. after a reinstall; known_hosts
	// is not changed. Any other changed key is refused.
	AcceptChanged []string
	// Timeout bounds each host: connect, authenticate, run, read (default 30s).
	Timeout time.Duration
	// Concurrency is how many hosts are collected at once (default 16).
	Concurrency int
	// MaxOutput is the most a host may print (default 64 MB); more is
	// an endless stream and the host fails.
	MaxOutput int64
	// Now stamps collected_at (default time.Now).
	Now func() time.Time
	// Progress, when set, is called with hosts done and the total.
	Progress func(done, total int)
}

// Target is a host to collect from: a hostname or address, with an
// optional port ("host:port", "[::1]:2222"), and the asset it stands for
// when it comes from the inventory.
type Target struct {
	Host  string
	Asset string
}

// CollectSSH collects facts from every target over SSH, at most
// Concurrency at a time, each within Timeout. A host that fails (refused,
// timeout, host key, authentication, bad or endless output) is a Failure
// with the reason and never stops the others. The error means the
// collection could not start (no key, unreadable known_hosts).
func CollectSSH(ctx context.Context, o SSHOptions, targets []Target) ([]record.Device, []Failure, error) {
	if o.User == "" {
		return nil, nil, errors.New("collect over ssh: no user name")
	}
	if o.Port == 0 {
		o.Port = 22
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 16
	}
	if o.MaxOutput <= 0 {
		o.MaxOutput = 64 << 20
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	auth, closeAuth, err := authMethods(o)
	if err != nil {
		return nil, nil, err
	}
	defer closeAuth()
	hk, err := newHostKeys(o.KnownHosts, o.AcceptNew)
	if err != nil {
		return nil, nil, err
	}
	hk.changed = map[string]bool{}
	for _, h := range o.AcceptChanged {
		hk.changed[knownhosts.Normalize(hostPort(h, o.Port))] = true
	}

	devices := make([]*record.Device, len(targets))
	failures := make([]*Failure, len(targets))
	sem := make(chan struct{}, o.Concurrency)
	var wg sync.WaitGroup
	var done atomic.Int64
	for i, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				failures[i] = &Failure{Source: "ssh://" + t.Host, Reason: "not collected: " + ctx.Err().Error(), Asset: t.Asset}
				return
			}
			defer func() { <-sem }()
			addr := hostPort(t.Host, o.Port)
			if testHookHost != nil {
				testHookHost(true)
				defer testHookHost(false)
			}
			d, err := collectHost(ctx, o, auth, hk, addr)
			if err != nil {
				failures[i] = &Failure{Source: "ssh://" + addr, Reason: "unreachable: " + err.Error(), Asset: t.Asset}
			} else {
				devices[i] = d
			}
			if o.Progress != nil {
				o.Progress(int(done.Add(1)), len(targets))
			}
		}()
	}
	wg.Wait()
	var ds []record.Device
	var fs []Failure
	for i := range targets {
		if devices[i] != nil {
			ds = append(ds, *devices[i])
		}
		if failures[i] != nil {
			fs = append(fs, *failures[i])
		}
	}
	return ds, fs, nil
}

// testHookHost, when set by a test, is called as each host starts and ends.
var testHookHost func(start bool)

// hostPort adds the default port to a host that names none.
func hostPort(host string, port int) string {
	if _, _, err := net.SplitHostPort(host); err == nil {
		return host
	}
	return net.JoinHostPort(strings.Trim(host, "[]"), strconv.Itoa(port))
}

func authMethods(o SSHOptions) ([]ssh.AuthMethod, func(), error) {
	var signers []ssh.Signer
	for _, f := range o.KeyFiles {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, nil, fmt.Errorf("read ssh key: %w", err)
		}
		s, err := ssh.ParsePrivateKey(b)
		if err != nil {
			var pp *ssh.PassphraseMissingError
			if errors.As(err, &pp) {
				return nil, nil, fmt.Errorf("read ssh key %s: it is encrypted; load it into ssh-agent instead", f)
			}
			return nil, nil, fmt.Errorf("read ssh key %s: %w", f, err)
		}
		signers = append(signers, s)
	}
	var methods []ssh.AuthMethod
	closer := func() {}
	if len(signers) > 0 {
		methods = append(methods, ssh.PublicKeys(signers...))
	}
	if o.AgentSocket != "" {
		conn, err := net.Dial("unix", o.AgentSocket)
		if err != nil {
			return nil, nil, fmt.Errorf("connect to ssh-agent: %w", err)
		}
		ag := agent.NewClient(conn)
		var mu sync.Mutex // the agent connection serves one request at a time
		methods = append(methods, ssh.PublicKeysCallback(func() ([]ssh.Signer, error) {
			mu.Lock()
			defer mu.Unlock()
			ss, err := ag.Signers()
			for i := range ss {
				ss[i] = &lockedSigner{Signer: ss[i], mu: &mu}
			}
			return ss, err
		}))
		closer = func() { conn.Close() }
	}
	if len(methods) == 0 {
		return nil, nil, errors.New("collect over ssh: no key to authenticate with (give --identity, or run ssh-agent)")
	}
	return methods, closer, nil
}

// lockedSigner serialises signatures over one agent connection.
type lockedSigner struct {
	ssh.Signer
	mu *sync.Mutex
}

func (s *lockedSigner) Sign(r io.Reader, data []byte) (*ssh.Signature, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Signer.Sign(r, data)
}

// hostKeys verifies host keys against known_hosts files.
type hostKeys struct {
	db        *skh.HostKeyDB
	file      string // where accepted keys are written
	acceptNew bool
	changed   map[string]bool // normalized host:port whose changed key is accepted this run
	mu        sync.Mutex
}

func newHostKeys(files []string, acceptNew bool) (*hostKeys, error) {
	if len(files) == 0 {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, fmt.Errorf("find known_hosts: %w", err)
		}
		files = []string{filepath.Join(home, ".ssh", "known_hosts")}
	}
	for _, f := range files {
		if _, err := os.Stat(f); errors.Is(err, os.ErrNotExist) && acceptNew && f == files[0] {
			if err := os.MkdirAll(filepath.Dir(f), 0o700); err != nil {
				return nil, fmt.Errorf("create known_hosts: %w", err)
			}
			if err := os.WriteFile(f, nil, 0o600); err != nil {
				return nil, fmt.Errorf("create known_hosts: %w", err)
			}
		}
	}
	db, err := skh.NewDB(files...)
	if err != nil {
		return nil, fmt.Errorf("read known_hosts: %w", err)
	}
	return &hostKeys{db: db, file: files[0], acceptNew: acceptNew}, nil
}

func (h *hostKeys) callback(hostname string, remote net.Addr, key ssh.PublicKey) error {
	err := h.db.HostKeyCallback()(hostname, remote, key)
	var ke *knownhosts.KeyError
	if !errors.As(err, &ke) {
		return err
	}
	if len(ke.Want) > 0 && h.changed[knownhosts.Normalize(hostname)] {
		return nil // explicitly accepted for this run; known_hosts unchanged
	}
	if len(ke.Want) > 0 {
		return fmt.Errorf("host key CHANGED: the %s key offered is not the one in %s:%d; refused (if the host was reinstalled, verify the new key, then remove the old line with ssh-keygen -R or pass --accept-changed-host-key for this run)",
			key.Type(), ke.Want[0].Filename, ke.Want[0].Line)
	}
	if !h.acceptNew {
		return fmt.Errorf("host key unknown: %s (%s) is not in %s; refused (verify it, then add it, or run once with --accept-new-host-keys)",
			ssh.FingerprintSHA256(key), key.Type(), h.file)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	f, ferr := os.OpenFile(h.file, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o600)
	if ferr != nil {
		return fmt.Errorf("accept host key: %w", ferr)
	}
	defer f.Close()
	if _, ferr := fmt.Fprintln(f, knownhosts.Line([]string{knownhosts.Normalize(hostname)}, key)); ferr != nil {
		return fmt.Errorf("accept host key: %w", ferr)
	}
	return nil
}

// capped is an io.Writer that keeps at most max bytes and calls over the
// first time more arrive.
type capped struct {
	buf  []byte
	max  int64
	over func()
	hit  bool
}

func (c *capped) Write(p []byte) (int, error) {
	if int64(len(c.buf)+len(p)) > c.max {
		if !c.hit {
			c.hit = true
			c.over()
		}
		return 0, errors.New("output limit reached")
	}
	c.buf = append(c.buf, p...)
	return len(p), nil
}

func firstLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// collectHost runs the fact script on one host.
func collectHost(ctx context.Context, o SSHOptions, auth []ssh.AuthMethod, hk *hostKeys, addr string) (*record.Device, error) {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	var dialer net.Dialer
	conn, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("timed out after %s connecting", o.Timeout)
		}
		return nil, fmt.Errorf("connect: %w", err)
	}
	// Whatever blocks (handshake, a silent host, a slow command) ends when
	// the host's time is up: closing the connection unblocks it.
	var stage atomic.Value
	stage.Store("in the SSH handshake")
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	defer conn.Close()
	timedOut := func(err error) error {
		if ctx.Err() != nil {
			return fmt.Errorf("timed out after %s %s", o.Timeout, stage.Load())
		}
		return err
	}
	cfg := &ssh.ClientConfig{User: o.User, Auth: auth, HostKeyCallback: hk.callback, Timeout: o.Timeout,
		HostKeyAlgorithms: hk.db.HostKeyAlgorithms(addr)}
	c, chans, reqs, err := ssh.NewClientConn(conn, addr, cfg)
	if err != nil {
		return nil, timedOut(fmt.Errorf("ssh: %w", err))
	}
	client := ssh.NewClient(c, chans, reqs)
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		return nil, timedOut(fmt.Errorf("open session: %w", err))
	}
	defer sess.Close()
	stage.Store("running the fact script")
	out := &capped{max: o.MaxOutput, over: func() { conn.Close() }}
	sess.Stdin = strings.NewReader(Script)
	sess.Stdout = out
	stderr := &capped{max: 4096, over: func() {}}
	sess.Stderr = stderr
	runErr := sess.Run("/bin/sh -s")
	if out.hit {
		return nil, fmt.Errorf("the host printed more than %s: an endless or runaway output, stopped", size(o.MaxOutput))
	}
	if runErr != nil {
		var exit *ssh.ExitError
		if !errors.As(runErr, &exit) {
			return nil, timedOut(fmt.Errorf("run the fact script: %w", runErr))
		}
		// A non-zero exit with the script's output is fine (the last
		// command's status); without it, the parse below says so.
	}
	snap, err := ParseScriptOutput(out.buf)
	if err != nil {
		// What the host said on standard error tells why (no sh, a
		// restricted shell, a forced command).
		if line := firstLine(stderr.buf); line != "" {
			return nil, fmt.Errorf("%w; it said: %q", err, line)
		}
		return nil, err
	}
	f := New("ssh", "ssh://"+addr, o.Now().UTC().Format(time.RFC3339))
	FromSnapshot(snap, f)
	return &record.Device{Source: "ssh://" + addr, Facts: f}, nil
}
