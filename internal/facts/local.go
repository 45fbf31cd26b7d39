package facts

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/estate-dev/estate/internal/record"
)

// LocalOptions tune CollectLocal.
type LocalOptions struct {
	Now time.Time
	// Root is where the machine's files are read from (default "/"); tests
	// point it at a fixture tree.
	Root string
	// NoCommands skips the read-only commands (rpm, nft, uname) and reads
	// files only.
	NoCommands bool
}

// CollectLocal reads the facts of the machine estate runs on. On Linux it
// reads the files itself (os-release, the dpkg status database, DMI, the
// block devices, ufw, utmp ...) and asks rpm and nft when they are
// present; elsewhere it runs the fact script with the local /bin/sh. The
// error means nothing could be read at all.
func CollectLocal(ctx context.Context, o LocalOptions) (record.Device, error) {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	f := New("local", "", o.Now.UTC().Format(time.RFC3339))
	if runtime.GOOS == "linux" || o.Root != "" {
		FromSnapshot(LocalSnapshot(ctx, o), f)
		return record.Device{Source: "local", Facts: f}, nil
	}
	cmd := exec.CommandContext(ctx, "/bin/sh", "-s")
	cmd.Stdin = strings.NewReader(Script)
	out, err := cmd.Output()
	var snap Snapshot
	if err == nil {
		snap, err = ParseScriptOutput(out)
	}
	if err != nil {
		// No POSIX sh (Windows): what Go itself knows, and an honest
		// unknown for the rest.
		basicFacts(f)
		f.Errors = append(f.Errors, fmt.Sprintf("the fact script could not run here (%v): only the hostname, OS family and architecture were read; use osquery on %s", err, runtime.GOOS))
		return record.Device{Source: "local", Facts: f}, nil
	}
	FromSnapshot(snap, f)
	return record.Device{Source: "local", Facts: f}, nil
}

// basicFacts fills what the Go runtime knows of the machine.
func basicFacts(f *record.Facts) {
	if h, err := os.Hostname(); err == nil {
		f.Identity.Hostname = h
	}
	fam := map[string]string{"darwin": "macos", "windows": "windows", "linux": "linux", "android": "android", "ios": "ios"}[runtime.GOOS]
	if fam == "" {
		fam = "other"
	}
	f.OS = &record.OSFacts{Family: fam, Arch: unameMachine()}
}

// LocalSnapshot reads the fact sources of a Linux machine under o.Root.
func LocalSnapshot(ctx context.Context, o LocalOptions) Snapshot {
	root := o.Root
	if root == "" {
		root = "/"
	}
	p := func(name string) string { return filepath.Join(root, name) }
	s := Snapshot{secUname: []byte("Linux")}
	read := func(sec string, names ...string) {
		for _, n := range names {
			if b, err := os.ReadFile(p(n)); err == nil {
				s[sec] = b
				return
			}
		}
	}
	read(secOSRelease, "etc/os-release", "usr/lib/os-release")
	read(secHostname, "proc/sys/kernel/hostname", "etc/hostname")
	read(secKernel, "proc/sys/kernel/osrelease")
	for _, f := range []string{"product_serial", "product_name", "sys_vendor", "product_uuid"} {
		read(secDMI+f, "sys/class/dmi/id/"+f)
	}
	read(secDpkg, "var/lib/dpkg/status")
	read(secMountinfo, "proc/self/mountinfo")
	read(secUFW, "etc/ufw/ufw.conf")
	read(secAutoUpdate, "etc/apt/apt.conf.d/20auto-upgrades")
	read(secPasswd, "etc/passwd")
	s[secArch] = []byte(unameMachine())
	if b := blockDevices(p("sys/class/block")); b != nil {
		s[secBlocks] = b
	}
	if _, err := os.Stat(p("sys/firmware/efi")); err == nil {
		if m, _ := filepath.Glob(p("sys/firmware/efi/efivars/SecureBoot-*")); len(m) > 0 {
			if b, err := os.ReadFile(m[0]); err == nil && len(b) >= 5 {
				s[secSecureBoot] = []byte(fmt.Sprint(b[len(b)-1]))
			}
		}
	} else if _, err := os.Stat(p("sys/firmware")); err == nil {
		s[secSecureBoot] = []byte("no-efi")
	}
	if names, err := loggedIn(p("run/utmp"), p("var/run/utmp")); err == nil {
		s[secLoggedIn] = []byte(strings.Join(names, "\n"))
	}
	if ents, err := os.ReadDir(p("sys/class/net")); err == nil {
		var b bytes.Buffer
		for _, e := range ents {
			mac, _ := os.ReadFile(p("sys/class/net/" + e.Name() + "/address"))
			fmt.Fprintf(&b, "%s %s\n", e.Name(), strings.TrimSpace(string(mac)))
		}
		s[secNet] = b.Bytes()
	}
	if !o.NoCommands && root == "/" {
		if _, err := os.Stat("/var/lib/rpm"); err == nil {
			if out, err := exec.CommandContext(ctx, "rpm", "-qa", "--qf", `%{NAME}\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\t%{ARCH}\n`).Output(); err == nil {
				s[secRPM] = out
			}
		}
		if os.Geteuid() == 0 {
			if out, err := exec.CommandContext(ctx, "nft", "list", "ruleset").Output(); err == nil {
				s[secNft] = out
			}
		}
	}
	return s
}

// unameMachine is uname -m: the kernel's name for the machine.
func unameMachine() string {
	switch runtime.GOARCH {
	case "amd64":
		return "x86_64"
	case "arm64":
		return "aarch64"
	case "386":
		return "i686"
	}
	return runtime.GOARCH
}

// blockDevices lists the block devices as the fact script does:
// NAME MAJ:MIN DM-UUID|- SLAVES|-.
func blockDevices(dir string) []byte {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var b bytes.Buffer
	for _, e := range ents {
		d := filepath.Join(dir, e.Name())
		dev, err := os.ReadFile(filepath.Join(d, "dev"))
		if err != nil {
			continue
		}
		uuid := "-"
		if u, err := os.ReadFile(filepath.Join(d, "dm", "uuid")); err == nil && strings.TrimSpace(string(u)) != "" {
			uuid = strings.TrimSpace(string(u))
		}
		slaves := "-"
		if ss, err := os.ReadDir(filepath.Join(d, "slaves")); err == nil && len(ss) > 0 {
			var names []string
			for _, s := range ss {
				names = append(names, s.Name())
			}
			slaves = strings.Join(names, ",") + ","
		}
		fmt.Fprintf(&b, "%s %s %s %s\n", e.Name(), strings.TrimSpace(string(dev)), uuid, slaves)
	}
	return b.Bytes()
}

// utmp record layout of glibc on 64-bit Linux (struct utmp, 384 bytes).
const (
	utmpSize       = 384
	utmpUserOffset = 44
	utmpUserLen    = 32
	userProcess    = 7
)

// loggedIn reads the users with a login session from the first utmp file
// that exists.
func loggedIn(paths ...string) ([]string, error) {
	var err error
	for _, p := range paths {
		var b []byte
		if b, err = os.ReadFile(p); err == nil {
			return ParseUtmp(b), nil
		}
	}
	return nil, err
}

// ParseUtmp returns the user names of the USER_PROCESS entries of a utmp
// file, once each, in order.
func ParseUtmp(b []byte) []string {
	var out []string
	seen := map[string]bool{}
	for off := 0; off+utmpSize <= len(b); off += utmpSize {
		rec := b[off : off+utmpSize]
		if int16(binary.LittleEndian.Uint16(rec[0:2])) != userProcess {
			continue
		}
		name := rec[utmpUserOffset : utmpUserOffset+utmpUserLen]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		if n := string(name); n != "" && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}
