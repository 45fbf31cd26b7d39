package synth

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Config says what to generate.
type Config struct {
	Assets int   // number of asset records
	Seed   int64 // same seed, same estate
	// InvalidEvery makes every k-th asset invalid in one of several ways
	// (0: none). See Invalid for the kinds.
	InvalidEvery int
	// Now anchors dates (purchases, warranties, exemptions); default
	// 2026-11-23.
	Now time.Time
	// Computers makes every asset a laptop, desktop or server, deployed
	// (19 in 20) or loaned: nearly every asset then reports facts
	// (Facts), for measuring the audit of many devices without the
	// records that report none. It draws other random numbers: not the
	// estate of the same seed without it.
	Computers bool
}

// File is one generated file: a slash path relative to the repository root.
type File struct {
	Path string
	Data []byte
}

// Invalid lists the mistakes InvalidEvery cycles through, in order.
var Invalid = []string{"status-typo", "unknown-field", "bad-date", "missing-owner", "dangling-location", "number-for-string"}

type model struct {
	class, manufacturer, model, os, baseline string
	cost                                     float64
	serial                                   func(r *rand.Rand) string
}

const upperDigits = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"

func randStr(r *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

var models = []model{
	{"laptop", "Apple", "MacBook Pro 14 (2023)", "macos", "euc-macos", 2199, func(r *rand.Rand) string { return "C02" + randStr(r, upperDigits, 9) }},
	{"laptop", "Apple", "MacBook Air 13 (M2)", "macos", "euc-macos", 1249, func(r *rand.Rand) string { return "FVF" + randStr(r, upperDigits, 9) }},
	{"laptop", "Dell", "Latitude 7440", "windows", "euc-windows", 1480, func(r *rand.Rand) string { return randStr(r, upperDigits, 7) }},
	{"laptop", "Lenovo", "ThinkPad T14 Gen 4", "windows", "euc-windows", 1390, func(r *rand.Rand) string { return "PF" + randStr(r, upperDigits, 6) }},
	{"laptop", "Lenovo", "ThinkPad X1 Carbon Gen 11", "linux", "euc-linux", 1890, func(r *rand.Rand) string { return "PW" + randStr(r, upperDigits, 6) }},
	{"desktop", "Dell", "OptiPlex 7010", "windows", "euc-windows", 890, func(r *rand.Rand) string { return randStr(r, upperDigits, 7) }},
	{"desktop", "HP", "Z2 G9 Tower", "linux", "euc-linux", 2150, func(r *rand.Rand) string { return "CZC" + randStr(r, upperDigits, 7) }},
	{"desktop", "Apple", "Mac mini (M2)", "macos", "euc-macos", 799, func(r *rand.Rand) string { return "H" + randStr(r, upperDigits, 9) }},
	{"server", "Dell", "PowerEdge R750", "linux", "", 8900, func(r *rand.Rand) string { return randStr(r, upperDigits, 7) }},
	{"phone", "Apple", "iPhone 15", "ios", "", 899, func(r *rand.Rand) string { return "F" + randStr(r, upperDigits, 10) }},
	{"tablet", "Apple", "iPad Air (M2)", "ipados", "", 699, func(r *rand.Rand) string { return "DMP" + randStr(r, upperDigits, 8) }},
	{"monitor", "Dell", "U2723QE", "", "", 560, func(r *rand.Rand) string { return "CN0" + randStr(r, upperDigits, 12) }},
	{"printer", "HP", "LaserJet Enterprise M611", "", "", 1150, func(r *rand.Rand) string { return "PHB" + randStr(r, upperDigits, 7) }},
	{"network", "Cisco", "Meraki MR46", "", "", 1050, func(r *rand.Rand) string { return "Q2" + randStr(r, upperDigits, 10) }},
}

var prefixes = map[string]string{"laptop": "LT", "desktop": "DT", "server": "SV", "phone": "PH", "tablet": "TB",
	"monitor": "MN", "printer": "PR", "network": "NW"}

var firstNames = []string{"jane", "omar", "li", "sofia", "arjun", "maria", "tom", "aisha", "lucas", "emma", "noah", "yuki", "fatima", "ivan", "chloe", "mateo"}
var lastNames = []string{"doe", "khan", "wei", "rossi", "patel", "garcia", "smith", "bello", "silva", "jones", "brown", "tanaka", "haddad", "petrov", "martin", "lopez"}

// Generate returns the files of a synthetic estate.
func Generate(cfg Config) []File {
	if cfg.Now.IsZero() {
		cfg.Now = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	}
	r := rand.New(rand.NewPCG(uint64(cfg.Seed), 0x9e3779b97f4a7c15))
	var files []File
	add := func(p, data string) { files = append(files, File{Path: p, Data: []byte(data)}) }

	add("estate.yaml", "apiVersion: estate/v1\nkind: Settings\nmanaged_classes: [laptop, desktop]\n")
	nLoc := 3 + cfg.Assets/2000
	locs := make([]string, nLoc)
	sites := []string{"LON", "NYC", "BER", "SGP", "SYD", "TOR", "PAR", "MAD", "AMS", "DUB"}
	for i := range locs {
		locs[i] = fmt.Sprintf("%s-%02d", sites[i%len(sites)], i/len(sites)+1)
		add("inventory/locations/"+locs[i]+".yaml", fmt.Sprintf(
			"apiVersion: estate/v1\nkind: Location\nid: %s\nname: %s office %d\ntype: site\ncountry: GB\n", locs[i], sites[i%len(sites)], i/len(sites)+1))
	}
	licences := []string{"MS365-E3", "ADOBE-CC", "JETBRAINS-ALL"}
	pkgs := [][]string{{"Microsoft Office*", "microsoft-365*"}, {"Adobe Creative Cloud*"}, {"IntelliJ*", "jetbrains-*"}}
	for i, l := range licences {
		add("inventory/licences/"+l+".yaml", fmt.Sprintf(
			"apiVersion: estate/v1\nkind: Licence\nid: %s\nproduct: %s\nmetric: user\nseats: %d\nexpires: %s\ncost: {amount: %d, currency: GBP, period: year}\npackages: [%s]\n",
			l, strings.ReplaceAll(l, "-", " "), cfg.Assets/(i+2)+10, cfg.Now.AddDate(1, i, 0).Format(time.DateOnly), 240*(i+1), quoteList(pkgs[i])))
	}
	for _, b := range Baselines() {
		add("policies/baselines/"+b.Name+".yaml", b.YAML())
	}
	add("policies/change-control.yaml", changePolicy)
	add("changes/CR-2026-0001.yaml", "apiVersion: estate/v1\nkind: ChangeRequest\nid: CR-2026-0001\ntitle: Exempt legacy plug-in hosts\ntype: normal\nreason: A supplier plug-in needs an older browser until its update ships.\nrisk: low\n")

	statuses := []struct {
		s string
		w int
	}{{"deployed", 70}, {"in-stock", 10}, {"loaned", 4}, {"in-repair", 4}, {"retired", 6}, {"disposed", 4}, {"lost", 1}, {"stolen", 1}}
	total := 0
	for _, s := range statuses {
		total += s.w
	}
	pool := models
	if cfg.Computers {
		pool = nil
		for _, m := range models {
			if m.class == "laptop" || m.class == "desktop" || m.class == "server" {
				pool = append(pool, m)
			}
		}
		statuses = statuses[:0]
		statuses = append(statuses, struct {
			s string
			w int
		}{"deployed", 95}, struct {
			s string
			w int
		}{"loaned", 5})
		total = 100
	}
	for i := 1; i <= cfg.Assets; i++ {
		m := pool[r.IntN(len(pool))]
		id := fmt.Sprintf("%s-%06d", prefixes[m.class], i)
		pick := r.IntN(total)
		status := ""
		for _, s := range statuses {
			if pick < s.w {
				status = s.s
				break
			}
			pick -= s.w
		}
		var b strings.Builder
		fmt.Fprintf(&b, "apiVersion: estate/v1\nkind: Asset\nid: %s\nclass: %s\nstatus: %s\n", id, m.class, status)
		fmt.Fprintf(&b, "serial: %q\nmanufacturer: %s\nmodel: %s\n", m.serial(r), m.manufacturer, m.model)
		computer := m.os == "macos" || m.os == "windows" || m.os == "linux"
		if m.os != "" {
			fmt.Fprintf(&b, "os: %s\n", m.os)
		}
		deployed := status == "deployed" || status == "loaned"
		if computer && status != "disposed" {
			fmt.Fprintf(&b, "hostname: %s\n", strings.ToLower(id))
		}
		if deployed {
			fmt.Fprintf(&b, "owner: %s.%s%d@example.org\n", firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))], i%97)
		}
		fmt.Fprintf(&b, "location: %s\n", locs[r.IntN(len(locs))])
		if m.baseline != "" && status == "deployed" {
			fmt.Fprintf(&b, "baseline: %s\n", m.baseline)
		}
		bought := cfg.Now.AddDate(0, -r.IntN(60), -r.IntN(28))
		fmt.Fprintf(&b, "purchase:\n  date: %s\n  cost: %.2f\n  currency: GBP\n  supplier: %s\n  order: PO-%05d\n",
			bought.Format(time.DateOnly), m.cost*(0.9+r.Float64()*0.2), m.manufacturer, r.IntN(100000))
		fmt.Fprintf(&b, "warranty:\n  expires: %s\n  provider: %s\n", bought.AddDate(3, 0, 0).Format(time.DateOnly), m.manufacturer)
		if deployed && computer && r.IntN(3) == 0 {
			fmt.Fprintf(&b, "licences: [%s]\n", licences[r.IntN(len(licences))])
		}
		if status == "deployed" && m.baseline == "euc-macos" && r.IntN(50) == 0 {
			fmt.Fprintf(&b, "exemptions:\n  - control: MAC-SW-010\n    reason: supplier plug-in needs an older browser\n    change: CR-2026-0001\n    expires: %s\n",
				cfg.Now.AddDate(0, 3, 0).Format(time.DateOnly))
		}
		if status == "disposed" {
			fmt.Fprintf(&b, "disposal:\n  date: %s\n  method: recycled\n  certificate: WEEE-%06d\n", cfg.Now.AddDate(0, -r.IntN(12), 0).Format(time.DateOnly), i)
		}
		if r.IntN(4) == 0 {
			fmt.Fprintf(&b, "tags: [%s]\n", []string{"finance", "engineering", "sales", "support"}[r.IntN(4)])
		}
		doc := b.String()
		if cfg.InvalidEvery > 0 && i%cfg.InvalidEvery == 0 {
			doc = breakDoc(doc, Invalid[(i/cfg.InvalidEvery)%len(Invalid)])
		}
		add("inventory/"+m.class+"/"+id+".yaml", doc)
	}
	return files
}

func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

func breakDoc(doc, how string) string {
	switch how {
	case "status-typo":
		return strings.Replace(doc, "status: ", "status: x", 1)
	case "unknown-field":
		return doc + "colour: silver\n"
	case "bad-date":
		return strings.Replace(doc, "  expires: ", "  expires: 2026-13-", 1)
	case "missing-owner":
		if strings.Contains(doc, "owner: ") {
			return doc[:strings.Index(doc, "owner: ")] + doc[strings.Index(doc, "location: "):]
		}
		return strings.Replace(doc, "status: ", "status: deployed\n#", 1)
	case "dangling-location":
		return strings.Replace(doc, "location: ", "location: GONE-", 1)
	case "number-for-string":
		return strings.Replace(doc, "model: ", "model: 42\n#", 1)
	}
	return doc
}

// Write writes files under dir, creating folders as needed.
func Write(dir string, files []File) error {
	made := map[string]bool{}
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if d := filepath.Dir(p); !made[d] {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return fmt.Errorf("write synthetic estate: %w", err)
			}
			made[d] = true
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return fmt.Errorf("write synthetic estate: %w", err)
		}
	}
	return nil
}

const changePolicy = `apiVersion: estate/v1
kind: ChangePolicy
name: synthetic
approvals:
  - name: peer review
    count: 1
  - name: high risk
    when: {risk: [high, critical]}
    count: 2
    teams: ["@synthetic/cab"]
risk:
  rules:
    - name: baselines are high risk
      risk: high
      when: {kinds: [Baseline]}
    - name: many devices
      risk: medium
      when: {devices_over: 50}
standard_changes:
  - id: STD-001
    title: Reassign a device's owner and location
    kinds: [Asset]
    fields: [owner, location]
emergency:
  review_within_days: 5
`
