package facts

import (
	"bytes"
	"fmt"
	"strings"
)

// Snapshot is the raw material a device's facts are read from: named
// sections of text, as the local reader builds them from files and as the
// fact script prints them on a remote host. The parsers read a Snapshot
// and nothing else, so local and remote facts come from one code path.
type Snapshot map[string][]byte

// The section names of a Snapshot.
const (
	secUname      = "uname"         // uname -s
	secOSRelease  = "os-release"    // /etc/os-release (or /usr/lib/os-release)
	secHostname   = "hostname"      // /proc/sys/kernel/hostname
	secKernel     = "kernel"        // /proc/sys/kernel/osrelease (uname -r)
	secArch       = "arch"          // uname -m
	secDMI        = "dmi."          // + product_serial, product_name, sys_vendor, product_uuid
	secDpkg       = "dpkg-status"   // /var/lib/dpkg/status
	secRPM        = "rpm"           // rpm -qa NAME\tEPOCH:VERSION-RELEASE\tARCH
	secMountinfo  = "mountinfo"     // /proc/self/mountinfo
	secBlocks     = "blocks"        // NAME MAJ:MIN DM-UUID|- SLAVE,SLAVE|-
	secUFW        = "ufw.conf"      // /etc/ufw/ufw.conf
	secNft        = "nft"           // nft list ruleset
	secAutoUpdate = "auto-upgrades" // /etc/apt/apt.conf.d/20auto-upgrades
	secPasswd     = "passwd"        // /etc/passwd
	secLoggedIn   = "logged-in"     // one user name a line (utmp, or who)
	secSecureBoot = "secureboot"    // the SecureBoot EFI variable's value byte: 1 or 0; "no-efi"
	secNet        = "net"           // NAME MAC, one interface a line
	secSwVers     = "sw_vers"       // macOS: sw_vers
	secIOReg      = "ioreg"         // macOS: ioreg -rd1 -c IOPlatformExpertDevice
	secFileVault  = "fdesetup"      // macOS: fdesetup status
	secALF        = "alf"           // macOS: socketfilterfw --getglobalstate
)

// Script is the fixed, read-only POSIX sh script the SSH collector runs
// on each host (fed on standard input to "sh -s"). It reads files and runs
// read-only commands; nothing from a record or a flag is ever put into it.
// Its output is one section per fact source, each after a marker line.
const Script = `# estate fact script v1: read-only
LC_ALL=C; export LC_ALL
PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
s() { printf '\n@@estate:%s@@\n' "$1"; }
printf '@@estate-facts v1@@\n'
s uname; uname -s 2>/dev/null
s os-release; cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null
s hostname; cat /proc/sys/kernel/hostname 2>/dev/null || hostname 2>/dev/null
s kernel; uname -r 2>/dev/null
s arch; uname -m 2>/dev/null
for f in product_serial product_name sys_vendor product_uuid; do
  if [ -r /sys/class/dmi/id/$f ] && { read -r v < /sys/class/dmi/id/$f; } 2>/dev/null; then s dmi.$f; printf '%s\n' "$v"; fi
done
if [ -r /var/lib/dpkg/status ]; then s dpkg-status; cat /var/lib/dpkg/status; fi
if command -v rpm >/dev/null 2>&1 && [ -d /var/lib/rpm ]; then
  s rpm; rpm -qa --qf '%{NAME}\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\t%{ARCH}\n' 2>/dev/null
fi
if [ -r /proc/self/mountinfo ]; then s mountinfo; cat /proc/self/mountinfo; fi
if [ -d /sys/class/block ]; then
  s blocks
  for d in /sys/class/block/*; do
    { read -r dev < "$d/dev"; } 2>/dev/null || continue
    u=; [ -r "$d/dm/uuid" ] && { read -r u < "$d/dm/uuid"; } 2>/dev/null
    sl=; for x in "$d"/slaves/*; do [ -e "$x" ] && sl="$sl${x##*/},"; done
    printf '%s %s %s %s\n' "${d##*/}" "$dev" "${u:--}" "${sl:--}"
  done
fi
if [ -r /etc/ufw/ufw.conf ]; then s ufw.conf; cat /etc/ufw/ufw.conf; fi
if command -v nft >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then s nft; nft list ruleset 2>/dev/null; fi
if [ -r /etc/apt/apt.conf.d/20auto-upgrades ]; then s auto-upgrades; cat /etc/apt/apt.conf.d/20auto-upgrades; fi
s passwd; cat /etc/passwd 2>/dev/null
if { [ -r /run/utmp ] || [ -r /var/run/utmp ]; } && command -v who >/dev/null 2>&1; then s logged-in; who 2>/dev/null | awk '{print $1}'; fi
if [ -d /sys/firmware/efi ]; then
  v=$(ls /sys/firmware/efi/efivars/SecureBoot-* 2>/dev/null | head -n 1)
  if [ -n "$v" ]; then s secureboot; od -An -tu1 "$v" 2>/dev/null | tr -s ' \n' ' ' | awk '{print $NF}'; fi
elif [ "$(uname -s)" = Linux ]; then s secureboot; echo no-efi
fi
if [ -d /sys/class/net ]; then
  s net; for i in /sys/class/net/*; do m=; { read -r m < "$i/address"; } 2>/dev/null; printf '%s %s\n' "${i##*/}" "$m"; done
fi
if command -v sw_vers >/dev/null 2>&1; then
  s sw_vers; sw_vers
  s ioreg; ioreg -rd1 -c IOPlatformExpertDevice 2>/dev/null
  s fdesetup; fdesetup status 2>/dev/null
  s alf; /usr/libexec/ApplicationFirewall/socketfilterfw --getglobalstate 2>/dev/null
fi
printf '\n@@estate-end@@\n'
`

const (
	scriptHeader = "@@estate-facts v1@@"
	scriptEnd    = "@@estate-end@@"
)

// ParseScriptOutput splits the fact script's output into a Snapshot. An
// output that does not start with the script's header, lacks its end
// marker, or repeats a section is not the script's: an error says so and
// shows its first bytes.
func ParseScriptOutput(out []byte) (Snapshot, error) {
	head := func() string {
		b := out
		if len(b) > 60 {
			b = b[:60]
		}
		return fmt.Sprintf("%q", b)
	}
	if !bytes.HasPrefix(out, []byte(scriptHeader+"\n")) {
		return nil, fmt.Errorf("the host's output is not the fact script's (it begins %s)", head())
	}
	rest := out[len(scriptHeader)+1:]
	end := bytes.LastIndex(rest, []byte("\n"+scriptEnd+"\n"))
	if end < 0 {
		return nil, fmt.Errorf("the host's output stops before the fact script's end (%d bytes; it begins %s)", len(out), head())
	}
	rest = rest[:end+1]
	snap := Snapshot{}
	name := ""
	var cur []byte
	flush := func() {
		if name != "" {
			snap[name] = bytes.TrimSuffix(cur, []byte("\n"))
		}
	}
	for len(rest) > 0 {
		line := rest
		nl := bytes.IndexByte(rest, '\n')
		if nl >= 0 {
			line, rest = rest[:nl+1], rest[nl+1:]
		} else {
			rest = nil
		}
		t := strings.TrimSuffix(string(line), "\n")
		if strings.HasPrefix(t, "@@estate:") && strings.HasSuffix(t, "@@") && len(t) > 11 {
			flush()
			name, cur = t[9:len(t)-2], nil
			if _, dup := snap[name]; dup {
				return nil, fmt.Errorf("the host's output repeats section %q: it is not the fact script's", name)
			}
			continue
		}
		if name == "" {
			if t != "" {
				return nil, fmt.Errorf("the host's output has text before the first section: %q", t)
			}
			continue
		}
		cur = append(cur, line...)
	}
	flush()
	return snap, nil
}
