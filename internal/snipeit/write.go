package snipeit

import (
	"encoding/csv"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/estate-dev/estate/internal/output"
	"github.com/estate-dev/estate/internal/record"
)

// ExportColumns are the columns Export writes: Snipe-IT's importer names
// first, then the fields estate keeps that Snipe-IT has no column for
// (Snipe-IT ignores them or maps them to custom fields), so an export
// re-imports into estate losslessly but for exemptions.
var ExportColumns = []string{
	"Asset Tag", "Item Name", "Serial Number", "Category", "Manufacturer", "Model Name", "Status", "Location",
	"Company", "Supplier", "Order Number", "Purchase Date", "Purchase Cost", "Warranty Months", "Email", "Notes",
	"Currency", "Warranty Expires", "Warranty Provider", "Hostname", "OS", "Baseline", "Last Audit", "Licences", "Tags",
	"Disposal Date", "Disposal Method", "Disposal Certificate",
	"Checkout Type", "Checked Out To: Location", "Checked Out To: Asset Tag",
}

// Export writes assets as a Snipe-IT asset CSV (ExportColumns, UTF-8
// without a byte-order mark, LF line endings; fields with line breaks are
// quoted). locName gives a
// location's name for its id (the id is written when it returns "").
// Cells that a spreadsheet would run as a formula get a leading apostrophe,
// which Read removes.
func Export(w io.Writer, assets []*record.Asset, locName func(id string) string) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(ExportColumns); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	row := make([]string, len(ExportColumns))
	for _, a := range assets {
		for i := range row {
			row[i] = ""
		}
		set := func(col, v string) {
			for i, c := range ExportColumns {
				if c == col {
					row[i] = output.CSVCell(v)
					return
				}
			}
		}
		set("Asset Tag", a.ID)
		set("Item Name", a.Hostname)
		set("Serial Number", a.Serial)
		set("Category", a.Class)
		set("Manufacturer", a.Manufacturer)
		set("Model Name", a.Model)
		set("Status", ExportStatus[a.Status])
		if a.Status == "deployed" && a.Owner == "" {
			set("Status", "Deployed")
		}
		loc := a.Location
		if n := locName(a.Location); n != "" {
			loc = n
		}
		set("Location", loc)
		var tags []string
		for _, t := range a.Tags {
			if c, ok := strings.CutPrefix(t, "company:"); ok && row[8] == "" {
				set("Company", c)
			} else {
				tags = append(tags, t)
			}
		}
		if p := a.Purchase; p != nil {
			set("Supplier", p.Supplier)
			set("Order Number", p.Order)
			set("Purchase Date", p.Date)
			if p.Cost != 0 {
				set("Purchase Cost", strconv.FormatFloat(p.Cost, 'f', 2, 64))
			}
			set("Currency", p.Currency)
		}
		if wt := a.Warranty; wt != nil {
			set("Warranty Expires", wt.Expires)
			set("Warranty Provider", wt.Provider)
			if a.Purchase != nil {
				if m, ok := wholeMonths(a.Purchase.Date, wt.Expires); ok {
					set("Warranty Months", strconv.Itoa(m))
				}
			}
		}
		set("Email", a.Owner)
		switch h := record.HolderOf(a); h.Kind {
		case "location":
			set("Checkout Type", "Location")
			set("Checked Out To: Location", loc)
		case "asset":
			set("Checkout Type", "Asset")
			set("Checked Out To: Asset Tag", h.ID)
		}
		set("Notes", a.Notes)
		set("Hostname", a.Hostname)
		set("OS", a.OS)
		set("Baseline", a.Baseline)
		set("Last Audit", a.LastAudit)
		set("Licences", strings.Join(a.Licences, ", "))
		set("Tags", strings.Join(tags, ", "))
		if d := a.Disposal; d != nil {
			set("Disposal Date", d.Date)
			set("Disposal Method", d.Method)
			set("Disposal Certificate", d.Certificate)
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// wholeMonths is the number of months from a to b when b is exactly that
// many months after a.
func wholeMonths(a, b string) (int, bool) {
	ta, err1 := time.Parse(time.DateOnly, a)
	tb, err2 := time.Parse(time.DateOnly, b)
	if err1 != nil || err2 != nil || tb.Before(ta) {
		return 0, false
	}
	m := (tb.Year()-ta.Year())*12 + int(tb.Month()-ta.Month())
	return m, ta.AddDate(0, m, 0).Equal(tb)
}

// LocationID makes a Location id from a Snipe-IT location name: letters
// and digits kept, everything else a hyphen, at most 64 characters.
func LocationID(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range name {
		switch {
		case r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'):
			b.WriteRune(r)
			dash = false
		default:
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
				dash = true
			}
		}
	}
	id := strings.TrimRight(b.String(), "-")
	if len(id) > 64 {
		id = strings.TrimRight(id[:64], "-")
	}
	return id
}

// plainRE is what may be written as a plain YAML scalar; anything else is
// double-quoted.
var plainRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9 ._/()@+-]*$`)
var dateRE = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)

var yamlWords = map[string]bool{"y": true, "yes": true, "n": true, "no": true, "true": true, "false": true,
	"on": true, "off": true, "null": true, "nan": true, "inf": true}

// isPlain reports whether s matches plainRE (by hand: this is the hot
// path of a large import; TestIsPlain proves it equal to plainRE).
func isPlain(s string) bool {
	if s == "" || !(s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z') {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == ' ', c == '.', c == '_', c == '/', c == '(', c == ')', c == '@', c == '+', c == '-':
		default:
			return false
		}
	}
	return true
}

// quote writes s as a YAML scalar that reads back as the same string.
func quote(s string) string {
	if isPlain(s) && (len(s) > 5 || !yamlWords[strings.ToLower(s)]) && s[len(s)-1] != ' ' &&
		!strings.Contains(s, " #") {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0xfeff || r == 0x2028 || r == 0x2029:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// MarshalAsset writes an asset as estate YAML, fields in the order of the
// schema. It is written by hand (not yaml.Marshal) for speed on large
// imports; a fuzz test proves it reads back equal.
func MarshalAsset(a *record.Asset) []byte {
	var b strings.Builder
	b.Grow(512)
	kv := func(indent, k, v string) {
		if v != "" {
			b.WriteString(indent + k + ": " + v + "\n")
		}
	}
	s := func(indent, k, v string) {
		if v != "" {
			kv(indent, k, quote(v))
		}
	}
	date := func(indent, k, v string) {
		if record.IsDate(v) {
			kv(indent, k, v)
		} else {
			s(indent, k, v)
		}
	}
	list := func(k string, vs []string) {
		if len(vs) == 0 {
			return
		}
		b.WriteString(k + ":\n")
		for _, v := range vs {
			b.WriteString("  - " + quote(v) + "\n")
		}
	}
	kv("", "apiVersion", record.APIVersion)
	kv("", "kind", "Asset")
	s("", "id", a.ID)
	s("", "class", a.Class)
	s("", "status", a.Status)
	s("", "serial", a.Serial)
	s("", "manufacturer", a.Manufacturer)
	s("", "model", a.Model)
	s("", "hostname", a.Hostname)
	s("", "os", a.OS)
	s("", "owner", a.Owner)
	s("", "location", a.Location)
	s("", "baseline", a.Baseline)
	if p := a.Purchase; p != nil && *p != (record.Purchase{}) {
		b.WriteString("purchase:\n")
		date("  ", "date", p.Date)
		if p.Cost != 0 {
			kv("  ", "cost", strconv.FormatFloat(p.Cost, 'f', -1, 64))
		}
		s("  ", "currency", p.Currency)
		s("  ", "supplier", p.Supplier)
		s("  ", "order", p.Order)
	}
	if w := a.Warranty; w != nil {
		b.WriteString("warranty:\n")
		date("  ", "expires", w.Expires)
		s("  ", "provider", w.Provider)
	}
	list("licences", a.Licences)
	if len(a.Exemptions) > 0 {
		b.WriteString("exemptions:\n")
		for _, e := range a.Exemptions {
			b.WriteString("  - control: " + quote(e.Control) + "\n")
			s("    ", "reason", e.Reason)
			s("    ", "change", e.Change)
			date("    ", "expires", e.Expires)
		}
	}
	if d := a.Disposal; d != nil {
		b.WriteString("disposal:\n")
		date("  ", "date", d.Date)
		s("  ", "method", d.Method)
		s("  ", "certificate", d.Certificate)
		s("  ", "by", d.By)
	}
	date("", "last_audit", a.LastAudit)
	list("tags", a.Tags)
	s("", "notes", a.Notes)
	return []byte(b.String())
}

// MarshalLocation writes a new location record.
func MarshalLocation(id, name string) []byte {
	return []byte("apiVersion: " + record.APIVersion + "\nkind: Location\nid: " + quote(id) + "\nname: " + quote(name) + "\ntype: site\n")
}
