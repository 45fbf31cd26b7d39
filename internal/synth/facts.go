package synth

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/estate-dev/estate/internal/load"
	"github.com/estate-dev/estate/internal/record"
)

// FactsConfig says how the devices of a synthetic estate look.
type FactsConfig struct {
	Seed int64
	// Now anchors collected_at (default 2026-11-23T12:00:00Z).
	Now time.Time
	// Filler is how many packages each device has besides those the
	// baselines read (default 20).
	Filler int
}

// Estate decodes the records of a generated estate into a record.Estate
// as estate validate reads them (load.Parse, load.Value, load.Decode) but
// without the schema and the cross-record rules: for benchmarks of what
// runs after validation (the audit). Files that do not decode are left
// out.
func Estate(files []File) *record.Estate {
	var recs []*record.Record
	for _, f := range files {
		kind := load.Classify(f.Path).Kind
		typed := record.NewTyped(kind)
		if typed == nil || kind == record.KindFacts {
			continue
		}
		root, fs := load.Parse(f.Path, f.Data)
		if fs != nil {
			continue
		}
		value, fs := load.Value(f.Path, root, load.DefaultLimits)
		if fs != nil {
			continue
		}
		load.Decode(value, typed)
		r := &record.Record{Kind: kind, Path: f.Path}
		if r.Set(typed) == nil {
			recs = append(recs, r)
		}
	}
	return record.NewEstate(recs)
}

var fillers = map[string][]string{
	"macos":   {"Slack", "zoom.us", "Microsoft Word", "Microsoft Excel", "Microsoft Outlook", "Microsoft Teams", "1Password 7", "Visual Studio Code", "Docker", "iTerm", "Firefox", "Safari", "Keynote", "Numbers", "Pages", "Xcode", "Postman", "Notion", "Spotify", "Figma", "Self Service", "Microsoft AutoUpdate"},
	"windows": {"Microsoft 365 Apps for enterprise - en-us", "Microsoft Teams", "Zoom", "Slack", "7-Zip 23.01 (x64)", "Notepad++ (64-bit x64)", "Adobe Acrobat (64-bit)", "Mozilla Firefox (x64 en-US)", "Microsoft Edge", "Microsoft OneDrive", "Git", "Python 3.12.1 (64-bit)", "Visual Studio Code", "PuTTY release 0.80 (64-bit)", "Microsoft Visual C++ 2015-2022 Redistributable (x64)", "Windows PC Health Check", "Dell Command | Update", "Intel(R) Graphics Driver", "Realtek Audio Driver", "VLC media player", "Cisco Secure Client", "Microsoft Update Health Tools"},
	"linux":   {"bash", "coreutils", "openssh-client", "openssh-server", "git", "curl", "wget", "vim", "sudo", "python3", "libc6", "openssl", "systemd", "apt", "dpkg", "tar", "gzip", "ca-certificates", "tzdata", "unattended-upgrades", "firefox", "libreoffice-core"},
}

// Facts returns the facts of the devices of a generated estate: every
// deployed or loaned laptop, desktop and server, about 3% of them stale or
// absent (missing), about 1% of the retired, lost and stolen ones seen, and
// one unregistered device per 200. About one device in five breaks one or
// more controls of its baseline, as real estates do: an old OS, a disk not
// encrypted, an out-of-date browser, a missing agent, a forbidden tool.
func Facts(e *record.Estate, cfg FactsConfig) []*record.Facts {
	if cfg.Now.IsZero() {
		cfg.Now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	}
	if cfg.Filler == 0 {
		cfg.Filler = 20
	}
	r := rand.New(rand.NewPCG(uint64(cfg.Seed), 0x51ed270b27c6a0e5))
	times := make([]string, 96) // collected_at, shared among devices: one per hour of the last 4 days
	for i := range times {
		times[i] = cfg.Now.Add(-time.Duration(i) * time.Hour).Format(time.RFC3339)
	}
	stale := cfg.Now.AddDate(0, 0, -40).Format(time.RFC3339)
	var out []*record.Facts
	for _, a := range e.SortedAssets() {
		if a.Class != "laptop" && a.Class != "desktop" && a.Class != "server" {
			continue
		}
		switch a.Status {
		case "deployed", "loaned":
			if r.IntN(100) < 2 {
				continue // never seen: missing
			}
		case "retired", "lost", "stolen":
			if r.IntN(100) != 0 {
				continue
			}
		default:
			continue
		}
		f := deviceFacts(r, a.Serial, a.Hostname, a.Manufacturer, a.Model, a.OS, a.Owner, cfg.Filler)
		f.CollectedAt = times[r.IntN(len(times))]
		if r.IntN(100) == 0 {
			f.CollectedAt = stale
		}
		out = append(out, f)
		if r.IntN(200) == 0 {
			u := deviceFacts(r, "ZZ"+randStr(r, upperDigits, 8), "unknown-"+strings.ToLower(randStr(r, upperDigits, 6)), "Dell Inc.", "XPS 13 9340", "windows", "", cfg.Filler)
			u.CollectedAt = times[r.IntN(len(times))]
			out = append(out, u)
		}
	}
	return out
}

func deviceFacts(r *rand.Rand, serial, host, manufacturer, model, osName, owner string, filler int) *record.Facts {
	t, f := true, false
	b := func(pctTrue int) *bool {
		if r.IntN(100) < pctTrue {
			return &t
		}
		return &f
	}
	// pick returns good[...] mostly, and bad (a non-compliant value) pctBad% of the time.
	pick := func(pctBad int, bad string, good ...string) string {
		if r.IntN(100) < pctBad {
			return bad
		}
		return good[r.IntN(len(good))]
	}
	lock := []int{120, 300, 300, 600}[r.IntN(4)]
	if r.IntN(100) < 3 {
		lock = 1800
	}
	fx := &record.Facts{APIVersion: record.APIVersion, Kind: "Facts",
		Collector: record.Collector{Name: []string{"osquery", "ssh", "mdm"}[r.IntN(3)], Version: "synthetic"},
		Identity:  record.Identity{Serial: serial, Hostname: host, Manufacturer: manufacturer, Model: model},
		Security:  &record.Security{DiskEncryption: b(98), Firewall: b(98), ScreenLockSeconds: &lock, AutoUpdates: b(97), SecureBoot: b(99)},
	}
	var browser string
	switch osName {
	case "macos":
		v := pick(4, "13.6.9", "15.1.1", "15.1", "14.7.1", "14.6.1", "14.5")
		fx.OS = &record.OSFacts{Family: "macos", Name: "macOS", Version: v, Build: "24B91", Kernel: "Darwin 24.1.0", Arch: "arm64"}
		browser = "Google Chrome"
	case "windows":
		v := pick(4, "10.0.19045", "10.0.26100", "10.0.22631", "10.0.22631")
		fx.OS = &record.OSFacts{Family: "windows", Name: "Microsoft Windows 11 Enterprise", Version: v, Build: v[5:], Arch: "x86_64"}
		browser = "Google Chrome"
	default:
		v := pick(4, "20.04", "24.04", "22.04", "22.04")
		fx.OS = &record.OSFacts{Family: "linux", Name: "Ubuntu", Version: v, Kernel: "6.8.0-49-generic", Arch: "x86_64"}
		browser = "google-chrome-stable"
		osName = "linux"
	}
	pk := make([]record.Package, 0, filler+12)
	fill := fillers[osName]
	for i := 0; i < filler; i++ {
		pk = append(pk, record.Package{Name: fill[i%len(fill)], Version: []string{"1.2.3", "4.41.105", "2:8.2.3995-1ubuntu2.21", "23.01"}[i%4]})
	}
	pk = append(pk, record.Package{Name: browser, Version: pick(5, "118.0.5993.117", "131.0.6778.86", "131.0.6778.70", "130.0.6723.117")})
	for _, i := range []int{3, 9, 15} {
		if r.IntN(100) < 99 {
			pk = append(pk, record.Package{Name: "agent-" + strconv.Itoa(i), Version: "7.10.1"})
		}
	}
	for _, i := range []int{4, 9} {
		if r.IntN(100) < 1 {
			pk = append(pk, record.Package{Name: "remote-tool-" + strconv.Itoa(i), Version: "15.2"})
		}
	}
	fx.Packages = pk
	if owner != "" {
		name := owner
		if i := strings.IndexByte(name, '@'); i > 0 {
			name = name[:i]
		}
		uid := 501
		fx.Users = []record.User{{Name: name, UID: &uid, LoggedIn: r.IntN(100) < 90}}
	}
	return fx
}

// FactsFiles renders facts as facts/<hostname>.json documents.
func FactsFiles(fs []*record.Facts) ([]File, error) {
	out := make([]File, 0, len(fs))
	for _, f := range fs {
		data, err := json.MarshalIndent(f, "", "  ")
		if err != nil {
			return nil, fmt.Errorf("encode synthetic facts: %w", err)
		}
		out = append(out, File{Path: "facts/" + f.Identity.Hostname + ".json", Data: append(data, '\n')})
	}
	return out, nil
}
