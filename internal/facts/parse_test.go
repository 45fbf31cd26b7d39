package facts

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/estate-dev/estate/internal/record"
)

func TestParseOSRelease(t *testing.T) {
	m := ParseOSRelease([]byte("# comment\nNAME=\"Ubuntu\"\nVERSION_ID='22.04'\nPRETTY_NAME=\"Ubuntu \\\"LTS\\\"\"\nID=ubuntu\nbroken line\n"))
	if m["NAME"] != "Ubuntu" || m["VERSION_ID"] != "22.04" || m["ID"] != "ubuntu" || m["PRETTY_NAME"] != `Ubuntu "LTS"` {
		t.Errorf("got %v", m)
	}
}

const dpkgStatus = `Package: git
Status: install ok installed
Priority: optional
Version: 1:2.39.5-0+deb12u3
Description: fast, scalable, distributed revision control system
 Git is popular.
 .
 Version: 9.9 (a continuation line, not a field)

Package: removed-thing
Status: deinstall ok config-files
Version: 1.0

Package: libc6
Status: install ok installed
Architecture: amd64
Version: 2.36-9+deb12u14
`

func TestParseDpkgStatus(t *testing.T) {
	got := ParseDpkgStatus([]byte(dpkgStatus))
	want := []record.Package{{Name: "git", Version: "1:2.39.5-0+deb12u3", Source: "deb"}, {Name: "libc6", Version: "2.36-9+deb12u14", Source: "deb"}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("got %+v", got)
	}
}

func TestParseRPMList(t *testing.T) {
	got := ParseRPMList([]byte("bash\t0:5.1.8-9.el9\tx86_64\nopenssl\t1:3.0.7-27.el9\tx86_64\n\n"))
	if len(got) != 2 || got[0].Version != "5.1.8-9.el9" || got[1].Version != "1:3.0.7-27.el9" || got[1].Source != "rpm" {
		t.Errorf("got %+v", got)
	}
}

func TestRootEncrypted(t *testing.T) {
	mi := "27 1 254:1 / / rw,relatime - ext4 /dev/mapper/vg-root rw\n28 27 8:1 / /boot rw - ext4 /dev/sda1 rw\n"
	blocks := "sda 8:0 - -\nsda1 8:1 - -\nsda2 8:2 - -\ndm-0 254:0 CRYPT-LUKS2-abc-sda2_crypt sda2,\ndm-1 254:1 LVM-xyz dm-0,\n"
	if enc, err := RootEncrypted([]byte(mi), []byte(blocks)); err != nil || !enc {
		t.Errorf("LVM on LUKS: %v %v", enc, err)
	}
	plain := "sda 8:0 - -\nsda1 8:1 - -\ndm-1 254:1 LVM-xyz sda2,\nsda2 8:2 - -\n"
	if enc, err := RootEncrypted([]byte(mi), []byte(plain)); err != nil || enc {
		t.Errorf("LVM on plain disk: %v %v", enc, err)
	}
	overlay := "27 1 0:45 / / rw - overlay overlay rw\n"
	if _, err := RootEncrypted([]byte(overlay), []byte(plain)); err == nil {
		t.Error("a container's overlay root must be unknown, not unencrypted")
	}
}

func TestParseUtmp(t *testing.T) {
	rec := func(typ int16, user string) []byte {
		b := make([]byte, utmpSize)
		binary.LittleEndian.PutUint16(b, uint16(typ))
		copy(b[utmpUserOffset:], user)
		return b
	}
	data := bytes.Join([][]byte{rec(2, "reboot"), rec(7, "jane"), rec(8, "gone"), rec(7, "omar"), rec(7, "jane")}, nil)
	if got := ParseUtmp(append(data, 1, 2, 3)); strings.Join(got, ",") != "jane,omar" {
		t.Errorf("got %v", got)
	}
}

func TestFirewall(t *testing.T) {
	ruleset := "table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n\t}\n}\n"
	if f := firewall(Snapshot{secNft: []byte(ruleset)}); f == nil || !*f {
		t.Error("policy drop on input is a firewall")
	}
	if f := firewall(Snapshot{secNft: []byte("")}); f == nil || *f {
		t.Error("an empty ruleset is no firewall")
	}
	if f := firewall(Snapshot{secUFW: []byte("ENABLED=yes\n")}); f == nil || !*f {
		t.Error("ufw enabled is a firewall")
	}
	if f := firewall(Snapshot{}); f != nil {
		t.Error("nothing read: unknown")
	}
}

func TestParseScriptOutput(t *testing.T) {
	good := "@@estate-facts v1@@\n\n@@estate:uname@@\nLinux\n\n@@estate:hostname@@\nweb-01\n\n@@estate-end@@\n"
	s, err := ParseScriptOutput([]byte(good))
	if err != nil || string(s["uname"]) != "Linux\n" || string(s["hostname"]) != "web-01\n" {
		t.Fatalf("got %q, %v", s, err)
	}
	for name, bad := range map[string]string{
		"garbage":   "\x00\x01 HTTP/1.1 400 Bad Request\r\n",
		"truncated": "@@estate-facts v1@@\n\n@@estate:uname@@\nLinux\n",
		"repeated":  "@@estate-facts v1@@\n\n@@estate:uname@@\nLinux\n\n@@estate:uname@@\nDarwin\n\n@@estate-end@@\n",
		"preamble":  "@@estate-facts v1@@\nWelcome to web-01!\n\n@@estate:uname@@\nLinux\n\n@@estate-end@@\n",
	} {
		if _, err := ParseScriptOutput([]byte(bad)); err == nil {
			t.Errorf("%s: parsed, want an error", name)
		}
	}
}

func FuzzParseScriptOutput(f *testing.F) {
	f.Add([]byte("@@estate-facts v1@@\n\n@@estate:uname@@\nLinux\n\n@@estate-end@@\n"))
	f.Add([]byte("@@estate-facts v1@@\n@@estate:@@\n@@estate-end@@\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseScriptOutput(b)
		if err == nil {
			FromSnapshot(s, New("ssh", "", "2026-11-23T12:00:00Z"))
		}
	})
}

func FuzzParseDpkgStatus(f *testing.F) {
	f.Add([]byte(dpkgStatus))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, p := range ParseDpkgStatus(b) {
			if p.Name == "" {
				t.Fatal("a package without a name")
			}
		}
	})
}

// A Linux machine's snapshot, as the script prints it, becomes facts.
func TestFromSnapshotLinux(t *testing.T) {
	s := Snapshot{
		secUname: []byte("Linux"), secOSRelease: []byte("NAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n"),
		secHostname: []byte("web-01\n"), secKernel: []byte("6.1.0-26-amd64"), secArch: []byte("x86_64"),
		secDMI + "product_serial": []byte("5J7K9T3\n"), secDMI + "sys_vendor": []byte("Dell Inc.\n"), secDMI + "product_name": []byte("PowerEdge R650xs\n"),
		secDpkg:       []byte(dpkgStatus + "\nPackage: unattended-upgrades\nStatus: install ok installed\nVersion: 2.9.1+nmu3\n"),
		secAutoUpdate: []byte("APT::Periodic::Update-Package-Lists \"1\";\nAPT::Periodic::Unattended-Upgrade \"1\";\n"),
		secPasswd:     []byte("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/:/usr/sbin/nologin\njane:x:1000:1000::/home/jane:/bin/bash\nnobody:x:65534:65534::/:/usr/sbin/nologin\n"),
		secLoggedIn:   []byte("jane\n"), secSecureBoot: []byte("1"),
	}
	f := New("ssh", "ssh://web-01:22", "2026-11-23T12:00:00Z")
	FromSnapshot(s, f)
	if f.Identity.Serial != "5J7K9T3" || f.Identity.Manufacturer != "Dell Inc." || f.OS.Version != "12" || f.OS.Kernel != "6.1.0-26-amd64" {
		t.Errorf("identity/os = %+v %+v", f.Identity, f.OS)
	}
	if f.Security == nil || f.Security.AutoUpdates == nil || !*f.Security.AutoUpdates || !*f.Security.SecureBoot || f.Security.DiskEncryption != nil {
		t.Errorf("security = %+v", f.Security)
	}
	if len(f.Users) != 2 || f.Users[1].Name != "jane" || !f.Users[1].LoggedIn || f.Users[0].LoggedIn {
		t.Errorf("users = %+v", f.Users)
	}
	if len(f.Packages) != 3 {
		t.Errorf("packages = %+v", f.Packages)
	}
}

func TestFromSnapshotMac(t *testing.T) {
	s := Snapshot{
		secUname:     []byte("Darwin"),
		secSwVers:    []byte("ProductName:\t\tmacOS\nProductVersion:\t\t14.6.1\nBuildVersion:\t\t23G93\n"),
		secIOReg:     []byte("+-o J316sAP  <class IOPlatformExpertDevice>\n    {\n      \"IOPlatformSerialNumber\" = \"L4X9KQ7MWR\"\n      \"model\" = <\"MacBookPro18,3\">\n      \"manufacturer\" = <\"Apple Inc.\">\n    }\n"),
		secFileVault: []byte("FileVault is Off.\n"), secALF: []byte("Firewall is enabled. (State = 1)\n"),
		secHostname: []byte("lt-00101"),
	}
	f := New("ssh", "", "2026-11-23T12:00:00Z")
	FromSnapshot(s, f)
	if f.OS.Family != "macos" || f.OS.Version != "14.6.1" || f.OS.Build != "23G93" || f.Identity.Serial != "L4X9KQ7MWR" ||
		f.Identity.Model != "MacBookPro18,3" || *f.Security.DiskEncryption || !*f.Security.Firewall {
		t.Errorf("facts = %+v %+v %+v", f.OS, f.Identity, f.Security)
	}
}
