package facts

import (
	"context"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The local collector on this very machine agrees with /etc/os-release and
// dpkg-query, read independently.
func TestCollectLocalMatchesSystem(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the local collector reads Linux files")
	}
	d, err := CollectLocal(context.Background(), LocalOptions{Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	f := d.Facts
	if f.Collector.Name != "local" || f.OS == nil || f.OS.Family != "linux" {
		t.Fatalf("facts = %+v", f)
	}
	rel, err := os.ReadFile("/etc/os-release")
	if err != nil {
		t.Skipf("no /etc/os-release: %v", err)
	}
	// Read os-release the way a shell would: source it.
	out, err := exec.Command("sh", "-c", `. /etc/os-release && printf '%s\n%s\n' "$NAME" "$VERSION_ID"`).Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if f.OS.Name != lines[0] || f.OS.Version != lines[1] {
		t.Errorf("os = %q %q, /etc/os-release (%d bytes) says %q %q", f.OS.Name, f.OS.Version, len(rel), lines[0], lines[1])
	}
	host, _ := os.Hostname()
	if f.Identity.Hostname != host {
		t.Errorf("hostname = %q, want %q", f.Identity.Hostname, host)
	}
	if _, err := exec.LookPath("dpkg-query"); err != nil {
		t.Skip("no dpkg-query on this machine")
	}
	out, err = exec.Command("dpkg-query", "-W", "-f", `${db:Status-Status}\t${Package}\t${Version}\n`).Output()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fl := strings.Split(line, "\t")
		if len(fl) == 3 && fl[0] == "installed" {
			want[fl[1]+"\t"+fl[2]] = ""
		}
	}
	got := map[string]string{}
	for _, p := range f.Packages {
		if p.Source == "deb" {
			got[p.Name+"\t"+p.Version] = ""
		}
	}
	if len(want) == 0 || len(got) != len(want) {
		t.Errorf("collector found %d deb packages, dpkg-query %d", len(got), len(want))
	}
	for k := range want {
		if _, ok := got[k]; !ok {
			t.Errorf("dpkg-query lists %q, the collector does not", k)
		}
	}
}

func TestBasicFacts(t *testing.T) {
	f := New("local", "", "2026-11-23T12:00:00Z")
	basicFacts(f)
	if f.Identity.Hostname == "" || f.OS == nil || f.OS.Family == "" || f.OS.Arch == "" {
		t.Errorf("facts = %+v %+v", f.Identity, f.OS)
	}
}
