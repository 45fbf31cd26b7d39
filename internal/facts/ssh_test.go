package facts

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// sshd is a real OpenSSH server started by a test on 127.0.0.1.
type sshd struct {
	ports      []int
	forced     map[string]int // name → port whose sessions run a forced command
	key        string         // the client's private key file
	knownHosts string         // a known_hosts file with the server's key on every port
	hostKey    ssh.PublicKey
	user       string
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func writeKey(t testing.TB, path string) ssh.PublicKey {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

// startSSHD runs sshd -D -e on n ports of 127.0.0.1, plus one port per
// forced command (e.g. "yes" for an endless stream). It skips when sshd
// is not installed, but under CI=true that is a failure.
func startSSHD(t testing.TB, n int, forced map[string]string) *sshd {
	t.Helper()
	bin := "/usr/sbin/sshd"
	if _, err := os.Stat(bin); err != nil {
		if p, err2 := exec.LookPath("sshd"); err2 == nil {
			bin = p
		} else if os.Getenv("CI") == "true" {
			t.Fatalf("sshd is not installed (openssh-server): %v", err)
		} else {
			t.Skip("sshd is not installed (openssh-server); CI installs it")
		}
	}
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	if u.Uid == "0" {
		// sshd refuses to start as root without its privilege-separation
		// directory, which the package's service would create.
		if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	s := &sshd{forced: map[string]int{}, key: filepath.Join(dir, "id_ed25519"), knownHosts: filepath.Join(dir, "known_hosts"), user: u.Username}
	s.hostKey = writeKey(t, filepath.Join(dir, "host_ed25519"))
	client := writeKey(t, s.key)
	if err := os.WriteFile(filepath.Join(dir, "authorized_keys"), ssh.MarshalAuthorizedKey(client), 0o600); err != nil {
		t.Fatal(err)
	}
	// sshd listens on at most 16 sockets: start one daemon per 15 ports.
	var base strings.Builder
	fmt.Fprintf(&base, "HostKey %s\nAuthorizedKeysFile %s\n", filepath.Join(dir, "host_ed25519"), filepath.Join(dir, "authorized_keys"))
	base.WriteString("StrictModes no\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\n")
	base.WriteString("PermitRootLogin prohibit-password\nMaxStartups 200\nMaxSessions 10\nLogLevel ERROR\nPrintMotd no\n")
	fmt.Fprintf(&base, "AllowUsers %s\n", u.Username)
	var known strings.Builder
	type daemon struct {
		listen, matches strings.Builder
		ports           []int
	}
	var daemons []*daemon
	addPort := func() (int, *daemon) {
		if len(daemons) == 0 || len(daemons[len(daemons)-1].ports) == 15 {
			daemons = append(daemons, &daemon{})
		}
		d := daemons[len(daemons)-1]
		p := freePort(t)
		d.ports = append(d.ports, p)
		fmt.Fprintf(&d.listen, "ListenAddress 127.0.0.1:%d\n", p)
		fmt.Fprintln(&known, knownhosts.Line([]string{knownhosts.Normalize(fmt.Sprintf("127.0.0.1:%d", p))}, s.hostKey))
		return p, d
	}
	for range n {
		p, _ := addPort()
		s.ports = append(s.ports, p)
	}
	for name, cmd := range forced {
		p, d := addPort()
		s.forced[name] = p
		fmt.Fprintf(&d.matches, "Match LocalPort %d\n    ForceCommand %s\n", p, cmd)
	}
	if err := os.WriteFile(s.knownHosts, []byte(known.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	for i, d := range daemons {
		conf := filepath.Join(dir, fmt.Sprintf("sshd_config.%d", i))
		text := base.String() + fmt.Sprintf("PidFile %s\n", filepath.Join(dir, fmt.Sprintf("sshd.%d.pid", i))) + d.listen.String() + d.matches.String()
		if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "-D", "-e", "-f", conf)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatalf("start sshd: %v", err)
		}
		t.Cleanup(func() {
			cmd.Process.Kill()
			cmd.Wait()
		})
		// Wait until every port accepts connections.
		deadline := time.Now().Add(10 * time.Second)
		for _, p := range d.ports {
			for {
				c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", p), time.Second)
				if err == nil {
					c.Close()
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("sshd did not listen on %d: %v\n%s", p, err, stderr.String())
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
	}
	return s
}

func (s *sshd) opts() SSHOptions {
	return SSHOptions{User: s.user, KeyFiles: []string{s.key}, KnownHosts: []string{s.knownHosts}, Timeout: 20 * time.Second, Concurrency: 8}
}

func (s *sshd) target(port int) Target { return Target{Host: fmt.Sprintf("127.0.0.1:%d", port)} }

// Facts read over SSH from this machine are the facts the local collector
// reads here.
func TestSSHMatchesLocal(t *testing.T) {
	s := startSSHD(t, 1, nil)
	ds, fails, err := CollectSSH(context.Background(), s.opts(), []Target{s.target(s.ports[0])})
	if err != nil || len(fails) > 0 || len(ds) != 1 {
		t.Fatalf("devices %d, failures %+v, err %v", len(ds), fails, err)
	}
	local, err := CollectLocal(context.Background(), LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	remote := *ds[0].Facts
	if remote.Collector.Name != "ssh" || remote.Collector.Source != fmt.Sprintf("ssh://127.0.0.1:%d", s.ports[0]) {
		t.Errorf("collector = %+v", remote.Collector)
	}
	l := *local.Facts
	remote.Collector, remote.CollectedAt = l.Collector, l.CollectedAt
	for _, part := range []struct {
		name string
		a, b any
	}{
		{"identity", remote.Identity, l.Identity}, {"os", remote.OS, l.OS}, {"security", remote.Security, l.Security},
		{"packages", remote.Packages, l.Packages}, {"users", remote.Users, l.Users}, {"network", remote.Network, l.Network},
		{"errors", remote.Errors, l.Errors},
	} {
		if !reflect.DeepEqual(part.a, part.b) {
			t.Errorf("%s over ssh differs from local:\n ssh:   %s\n local: %s", part.name, show(part.a), show(part.b))
		}
	}
	if len(l.Packages) == 0 && len(remote.Packages) == 0 {
		t.Log("no package database on this machine: only identity and os were compared")
	}
}

func show(v any) string {
	s := fmt.Sprintf("%+v", v)
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// A host whose key is not the one in known_hosts is refused; an unknown
// host is refused unless new keys are accepted for the run.
func TestSSHHostKeys(t *testing.T) {
	s := startSSHD(t, 1, nil)
	target := s.target(s.ports[0])
	dir := t.TempDir()

	wrong := filepath.Join(dir, "wrong_known_hosts")
	other := writeKey(t, filepath.Join(dir, "other"))
	os.WriteFile(wrong, []byte(knownhosts.Line([]string{knownhosts.Normalize(target.Host)}, other)+"\n"), 0o600)
	o := s.opts()
	o.KnownHosts = []string{wrong}
	ds, fails, err := CollectSSH(context.Background(), o, []Target{target})
	if err != nil || len(ds) != 0 || len(fails) != 1 || !strings.Contains(fails[0].Reason, "host key CHANGED") {
		t.Errorf("changed key: devices %d, failures %+v, err %v", len(ds), fails, err)
	}
	o.AcceptNew = true // never accepts a changed key
	if ds, fails, _ := CollectSSH(context.Background(), o, []Target{target}); len(ds) != 0 || len(fails) != 1 {
		t.Errorf("a changed key was accepted with AcceptNew: %+v", fails)
	}
	// A changed key accepted for this run, by name, and only that host's.
	o.AcceptNew = false
	o.AcceptChanged = []string{"127.0.0.2:22", target.Host}
	before, _ := os.ReadFile(wrong)
	if ds, fails, _ := CollectSSH(context.Background(), o, []Target{target}); len(ds) != 1 || len(fails) != 0 {
		t.Errorf("AcceptChanged: %+v", fails)
	}
	if after, _ := os.ReadFile(wrong); string(after) != string(before) {
		t.Error("AcceptChanged wrote known_hosts; it is for this run only")
	}
	o.AcceptChanged = []string{"127.0.0.2"}
	if ds, _, _ := CollectSSH(context.Background(), o, []Target{target}); len(ds) != 0 {
		t.Error("a changed key was accepted for a host not named")
	}
	o.AcceptChanged = nil

	fresh := filepath.Join(dir, "fresh", "known_hosts")
	o = s.opts()
	o.KnownHosts = []string{fresh}
	if _, _, err := CollectSSH(context.Background(), o, []Target{target}); err == nil {
		t.Error("a missing known_hosts file without AcceptNew must be an error")
	}
	os.MkdirAll(filepath.Dir(fresh), 0o700)
	os.WriteFile(fresh, nil, 0o600)
	ds, fails, _ = CollectSSH(context.Background(), o, []Target{target})
	if len(ds) != 0 || len(fails) != 1 || !strings.Contains(fails[0].Reason, "host key unknown") || !strings.Contains(fails[0].Reason, "SHA256:") {
		t.Errorf("unknown key: %+v", fails)
	}
	o.AcceptNew = true
	if ds, fails, _ := CollectSSH(context.Background(), o, []Target{target}); len(ds) != 1 || len(fails) != 0 {
		t.Fatalf("accept-new: %+v", fails)
	}
	o.AcceptNew = false // the key is now known
	if ds, fails, _ := CollectSSH(context.Background(), o, []Target{target}); len(ds) != 1 || len(fails) != 0 {
		t.Errorf("after accept-new: %+v", fails)
	}
}

// A host that hangs, one that refuses, one that prints garbage and one
// that never stops printing each fail with their reason, within their
// timeout, and the good host is collected.
func TestSSHBadHosts(t *testing.T) {
	s := startSSHD(t, 1, map[string]string{"garbage": "echo 'HTTP/1.1 400 Bad Request'", "endless": "yes estate-endless-stream",
		"nologin": "echo 'This account is currently not available.' >&2; exit 1"})
	hang, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hang.Close()
	var held []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := hang.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c) // accepted, never answered
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		for _, c := range held {
			c.Close()
		}
		mu.Unlock()
	}()
	refused := freePort(t)
	o := s.opts()
	o.Timeout = 3 * time.Second
	o.MaxOutput = 1 << 20
	targets := []Target{
		{Host: hang.Addr().String()},
		{Host: fmt.Sprintf("127.0.0.1:%d", refused)},
		s.target(s.forced["garbage"]),
		s.target(s.forced["endless"]),
		s.target(s.ports[0]),
		s.target(s.forced["nologin"]),
	}
	start := time.Now()
	ds, fails, err := CollectSSH(context.Background(), o, targets)
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].Source != "ssh://"+targets[4].Host {
		t.Errorf("want the good host collected, got %+v", ds)
	}
	want := map[string]string{
		"ssh://" + targets[0].Host: "timed out after 3s in the SSH handshake",
		"ssh://" + targets[1].Host: "connection refused",
		"ssh://" + targets[2].Host: "not the fact script's",
		"ssh://" + targets[3].Host: "printed more than 1.0 MB",
		"ssh://" + targets[5].Host: `it said: "This account is currently not available."`,
	}
	for _, f := range fails {
		if w, ok := want[f.Source]; !ok || !strings.Contains(f.Reason, w) {
			t.Errorf("%s: %q, want %q", f.Source, f.Reason, w)
		}
		if !strings.HasPrefix(f.Reason, "unreachable: ") {
			t.Errorf("%s: %q does not say unreachable", f.Source, f.Reason)
		}
		delete(want, f.Source)
	}
	if len(want) > 0 {
		t.Errorf("no failure reported for %v", want)
	}
	// All hosts ran at once: the hanging one costs its timeout, no more
	// (with room for a busy CI machine).
	if elapsed > o.Timeout+8*time.Second {
		t.Errorf("collection took %s; the hanging host should cost at most its %s timeout", elapsed, o.Timeout)
	}
}

// 50 hosts (one sshd on 50 ports) are collected concurrently, never more
// than Concurrency at once.
func TestSSH50Hosts(t *testing.T) {
	s := startSSHD(t, 50, nil)
	var targets []Target
	for _, p := range s.ports {
		targets = append(targets, s.target(p))
	}
	var cur, peak atomic.Int64
	testHookHost = func(start bool) {
		if start {
			n := cur.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
		} else {
			cur.Add(-1)
		}
	}
	defer func() { testHookHost = nil }()
	o := s.opts()
	o.Concurrency = 8
	o.Timeout = time.Minute // a busy CI machine is slow; the point here is concurrency
	var progress atomic.Int64
	o.Progress = func(done, total int) {
		if total != 50 {
			t.Errorf("progress total %d", total)
		}
		progress.Store(int64(done))
	}
	start := time.Now()
	ds, fails, err := CollectSSH(context.Background(), o, targets)
	elapsed := time.Since(start)
	if err != nil || len(fails) > 0 || len(ds) != 50 {
		t.Fatalf("devices %d, failures %+v, err %v", len(ds), fails, err)
	}
	if p := peak.Load(); p > 8 || p < 2 {
		t.Errorf("peak concurrency %d, want 2..8", p)
	}
	if progress.Load() != 50 {
		t.Errorf("progress ended at %d", progress.Load())
	}
	t.Logf("50 hosts in %s (%.1f hosts/s, concurrency 8, peak %d)", elapsed.Round(time.Millisecond), 50/elapsed.Seconds(), peak.Load())
}

// BenchmarkSSHCollect50 measures the collection rate against 50 local
// hosts (one sshd, 50 ports, concurrency 16):
//
//	go test -run '^$' -bench SSHCollect50 -benchtime 3x ./internal/facts
func BenchmarkSSHCollect50(b *testing.B) {
	s := startSSHD(b, 50, nil)
	var targets []Target
	for _, p := range s.ports {
		targets = append(targets, s.target(p))
	}
	o := s.opts()
	o.Concurrency = 16
	collected, failed := 0, 0
	b.ResetTimer()
	for b.Loop() {
		ds, fails, err := CollectSSH(context.Background(), o, targets)
		if err != nil {
			b.Fatal(err)
		}
		collected += len(ds)
		failed += len(fails)
		for _, f := range fails {
			b.Logf("%s: %s", f.Source, f.Reason)
		}
	}
	b.ReportMetric(float64(collected)/b.Elapsed().Seconds(), "hosts/s")
	b.ReportMetric(float64(failed)/float64(b.N), "failed/op")
}
