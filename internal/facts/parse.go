package facts

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/estate-dev/estate/internal/record"
)

// FromSnapshot reads a device's facts from a Snapshot. What a section does
// not say stays unknown; what a section says that cannot be read is
// listed in the facts' errors.
func FromSnapshot(s Snapshot, f *record.Facts) {
	errs := func(format string, args ...any) { f.Errors = append(f.Errors, fmt.Sprintf(format, args...)) }
	text := func(name string) (string, bool) {
		b, ok := s[name]
		return strings.TrimSpace(string(b)), ok
	}
	uname, _ := text(secUname)
	osf := &record.OSFacts{}
	if k, ok := text(secKernel); ok && k != "" {
		osf.Kernel = k
	}
	if a, ok := text(secArch); ok && a != "" {
		osf.Arch = a
	}
	switch {
	case s[secSwVers] != nil || uname == "Darwin":
		osf.Family = "macos"
		sv := ParseKeyColon(s[secSwVers])
		osf.Name, osf.Version, osf.Build = sv["ProductName"], sv["ProductVersion"], sv["BuildVersion"]
	case s[secOSRelease] != nil:
		osf.Family = "linux"
		rel := ParseOSRelease(s[secOSRelease])
		osf.Name, osf.Version = rel["NAME"], rel["VERSION_ID"]
		if osf.Name == "" {
			osf.Name = rel["ID"]
		}
	case uname == "Linux":
		osf.Family = "linux"
		errs("os: /etc/os-release is missing")
	default:
		errs("os: the operating system could not be identified (uname -s %q)", uname)
	}
	if *osf != (record.OSFacts{}) {
		f.OS = osf
	}

	if h, ok := text(secHostname); ok && h != "" {
		f.Identity.Hostname = h
	} else {
		errs("identity: the hostname could not be read")
	}
	f.Identity.Serial, _ = text(secDMI + "product_serial")
	f.Identity.Model, _ = text(secDMI + "product_name")
	f.Identity.Manufacturer, _ = text(secDMI + "sys_vendor")
	f.Identity.UUID, _ = text(secDMI + "product_uuid")
	if b := s[secIOReg]; b != nil {
		io := ParseIOReg(b)
		f.Identity.Serial, f.Identity.Model, f.Identity.UUID = io["IOPlatformSerialNumber"], io["model"], io["IOPlatformUUID"]
		if io["manufacturer"] != "" {
			f.Identity.Manufacturer = io["manufacturer"]
		}
	}
	if f.Identity.Serial == "" && osf.Family == "linux" {
		errs("identity: no serial (DMI /sys/class/dmi/id/product_serial is absent or unreadable)")
	}

	var pkgs []record.Package
	known := false
	if b := s[secDpkg]; b != nil {
		known = true
		pkgs = append(pkgs, ParseDpkgStatus(b)...)
	}
	if b, ok := s[secRPM]; ok {
		known = true
		pkgs = append(pkgs, ParseRPMList(b)...)
	}
	if known {
		f.Packages = sortPackages(pkgs)
		if f.Packages == nil {
			f.Packages = []record.Package{}
		}
	} else if osf.Family == "linux" {
		errs("packages: neither a dpkg nor an rpm database was found")
	}

	sec := &record.Security{}
	if mi, ok := s[secMountinfo]; ok {
		enc, err := RootEncrypted(mi, s[secBlocks])
		if err != nil {
			errs("security.disk_encryption: %v", err)
		} else {
			sec.DiskEncryption = &enc
		}
	}
	if b := s[secFileVault]; b != nil {
		switch t := strings.TrimSpace(string(b)); {
		case strings.HasPrefix(t, "FileVault is On"):
			sec.DiskEncryption = ptr(true)
		case strings.HasPrefix(t, "FileVault is Off"):
			sec.DiskEncryption = ptr(false)
		}
	}
	sec.Firewall = firewall(s)
	if b := s[secALF]; b != nil {
		t := string(b)
		switch {
		case strings.Contains(t, "(State = 1)"), strings.Contains(t, "(State = 2)"):
			sec.Firewall = ptr(true)
		case strings.Contains(t, "(State = 0)"):
			sec.Firewall = ptr(false)
		}
	}
	if s[secDpkg] != nil {
		on := false
		for _, p := range f.Packages {
			if p.Name == "unattended-upgrades" {
				on = true
			}
		}
		on = on && aptPeriodic(s[secAutoUpdate], "Unattended-Upgrade")
		sec.AutoUpdates = &on
	}
	if v, ok := text(secSecureBoot); ok {
		switch v {
		case "1":
			sec.SecureBoot = ptr(true)
		case "0", "no-efi":
			sec.SecureBoot = ptr(false)
		}
	}
	if *sec != (record.Security{}) {
		f.Security = sec
	}

	if b := s[secPasswd]; b != nil {
		var logged map[string]bool
		if l, ok := s[secLoggedIn]; ok {
			logged = map[string]bool{}
			for _, u := range strings.Fields(string(l)) {
				logged[u] = true
			}
		} else {
			errs("users: no utmp, so who is logged in is unknown")
		}
		f.Users = ParsePasswd(b, logged)
	}
	if b := s[secNet]; b != nil {
		var ifs []record.Interface
		for _, line := range strings.Split(string(b), "\n") {
			fl := strings.Fields(line)
			if len(fl) == 0 || fl[0] == "lo" {
				continue
			}
			i := record.Interface{Name: fl[0]}
			if len(fl) > 1 && fl[1] != "00:00:00:00:00:00" {
				i.MAC = fl[1]
			}
			ifs = append(ifs, i)
		}
		if len(ifs) > 0 {
			f.Network = &record.Network{Interfaces: ifs}
		}
	}
}

// ParseOSRelease reads os-release(5): KEY=value lines, values optionally
// quoted with shell quoting.
func ParseOSRelease(b []byte) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			q := v[0]
			v = v[1 : len(v)-1]
			if q == '"' {
				v = strings.NewReplacer(`\"`, `"`, `\\`, `\`, `\$`, `$`, "\\`", "`").Replace(v)
			}
		}
		out[k] = v
	}
	return out
}

// ParseKeyColon reads "Key:<tab>value" lines (sw_vers).
func ParseKeyColon(b []byte) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			out[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return out
}

var ioregLine = regexp.MustCompile(`^\s*"([^"]+)" = (?:"([^"]*)"|<"([^"]*)">)`)

// ParseIOReg reads the string properties of `ioreg -rd1 -c
// IOPlatformExpertDevice` ("IOPlatformSerialNumber" = "C02...", "model" =
// <"MacBookPro18,3">).
func ParseIOReg(b []byte) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if m := ioregLine.FindStringSubmatch(line); m != nil {
			out[m[1]] = m[2] + m[3]
		}
	}
	return out
}

// ParseDpkgStatus reads /var/lib/dpkg/status (deb822 stanzas) and returns
// the packages whose status is "install ok installed", with the version
// as dpkg writes it (epoch and revision included) and source "deb".
func ParseDpkgStatus(b []byte) []record.Package {
	var out []record.Package
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	var name, ver, status string
	emit := func() {
		if name != "" && strings.HasSuffix(status, " installed") && strings.HasPrefix(status, "install ") {
			out = append(out, record.Package{Name: name, Version: ver, Source: "deb"})
		}
		name, ver, status = "", "", ""
	}
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			emit()
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue // continuation of a multi-line field
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch k {
		case "Package":
			name = strings.TrimSpace(v)
		case "Version":
			ver = strings.TrimSpace(v)
		case "Status":
			status = strings.TrimSpace(v)
		}
	}
	emit()
	return out
}

// ParseRPMList reads the fact script's rpm query: NAME\tEPOCH:VERSION-RELEASE\tARCH
// lines. An epoch of 0 is dropped, as rpm -q prints it.
func ParseRPMList(b []byte) []record.Package {
	var out []record.Package
	for _, line := range strings.Split(string(b), "\n") {
		fl := strings.Split(strings.TrimSpace(line), "\t")
		if len(fl) < 2 || fl[0] == "" {
			continue
		}
		v := strings.TrimPrefix(strings.TrimPrefix(fl[1], "0:"), "(none):")
		out = append(out, record.Package{Name: fl[0], Version: v, Source: "rpm"})
	}
	return out
}

// ParsePasswd reads /etc/passwd and returns root and the accounts of
// people (uid 1000 and up, but nobody), marking those logged in. A nil
// logged map means the logged-in users are unknown.
func ParsePasswd(b []byte, logged map[string]bool) []record.User {
	var out []record.User
	for _, line := range strings.Split(string(b), "\n") {
		fl := strings.Split(line, ":")
		if len(fl) < 7 || fl[0] == "" || strings.HasPrefix(fl[0], "#") {
			continue
		}
		uid, err := strconv.Atoi(fl[2])
		if err != nil || (uid != 0 && (uid < 1000 || uid >= 60000)) {
			continue
		}
		out = append(out, record.User{Name: fl[0], UID: ptr(uid), LoggedIn: logged[fl[0]]})
	}
	return out
}

// aptPeriodic reports whether apt.conf says APT::Periodic::<key> "1".
func aptPeriodic(b []byte, key string) bool {
	re := regexp.MustCompile(`APT::Periodic::` + regexp.QuoteMeta(key) + `\s+"([0-9]+)"`)
	m := re.FindSubmatch(b)
	return m != nil && string(m[1]) != "0"
}

// firewall reads ufw's configuration and the nftables ruleset: on when ufw
// is enabled or an input chain drops by default or has rules; off when ufw
// is disabled (or absent) and the ruleset is empty; unknown otherwise.
func firewall(s Snapshot) *bool {
	ufw, haveUFW := s[secUFW]
	if haveUFW && regexp.MustCompile(`(?m)^\s*ENABLED\s*=\s*yes\b`).Match(ufw) {
		return ptr(true)
	}
	nft, haveNft := s[secNft]
	if !haveNft {
		return nil
	}
	if nftFilters(nft) {
		return ptr(true)
	}
	return ptr(false)
}

// nftFilters reports whether an nftables ruleset filters incoming
// traffic: a chain hooked on input with policy drop, or with any rule.
func nftFilters(b []byte) bool {
	inInput, rules := false, 0
	for _, line := range strings.Split(string(b), "\n") {
		t := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(t, "chain "):
			inInput, rules = false, 0
		case strings.HasPrefix(t, "type filter hook input"):
			inInput = true
			if strings.Contains(t, "policy drop") {
				return true
			}
		case t == "}" || t == "":
		case inInput:
			rules++
			if rules > 0 {
				return true
			}
		}
	}
	return false
}

// RootEncrypted says whether the root filesystem sits on dm-crypt: the
// block device of "/" in mountinfo, or any device under it (LVM on LUKS),
// has a device-mapper uuid starting with CRYPT-. blocks lists the block
// devices as the fact script prints them. A root on no block device (a
// container's overlay, a network filesystem) is an error: unknown.
func RootEncrypted(mountinfo, blocks []byte) (bool, error) {
	dev := ""
	for _, line := range strings.Split(string(mountinfo), "\n") {
		fl := strings.Fields(line)
		if len(fl) >= 5 && fl[4] == "/" {
			dev = fl[2] // the last mount of / wins
		}
	}
	if dev == "" {
		return false, fmt.Errorf("no root filesystem in mountinfo")
	}
	type blk struct {
		name, uuid string
		slaves     []string
	}
	byDev, byName := map[string]*blk{}, map[string]*blk{}
	for _, line := range strings.Split(string(blocks), "\n") {
		fl := strings.Fields(line)
		if len(fl) != 4 {
			continue
		}
		b := &blk{name: fl[0], uuid: fl[2]}
		if fl[3] != "-" {
			for _, s := range strings.Split(fl[3], ",") {
				if s != "" {
					b.slaves = append(b.slaves, s)
				}
			}
		}
		byDev[fl[1]] = b
		byName[fl[0]] = b
	}
	root := byDev[dev]
	if root == nil {
		return false, fmt.Errorf("the root filesystem (device %s) is not on a block device (a container or network filesystem)", dev)
	}
	seen := map[string]bool{}
	var walk func(b *blk) bool
	walk = func(b *blk) bool {
		if b == nil || seen[b.name] {
			return false
		}
		seen[b.name] = true
		if strings.HasPrefix(b.uuid, "CRYPT-") {
			return true
		}
		for _, s := range b.slaves {
			if walk(byName[s]) {
				return true
			}
		}
		return false
	}
	return walk(root), nil
}
