package snipeit

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/estate-dev/estate/internal/output"
	"github.com/estate-dev/estate/internal/record"
)

// Severities of a Problem.
const (
	Error   = "error"   // the row was not imported
	Warning = "warning" // the row was imported with this change
)

// Problem is something about one row (or the header, row 1).
type Problem struct {
	// Row is the row as a spreadsheet numbers it: the header is row 1.
	Row int `json:"row"`
	// Line is the line of the file where the row starts.
	Line     int    `json:"line"`
	Column   string `json:"column,omitempty"`
	Tag      string `json:"asset_tag,omitempty"`
	Severity string `json:"severity"`
	Reason   string `json:"reason"`
}

// Item is one row mapped to an asset.
type Item struct {
	Row   int           `json:"row"`
	Line  int           `json:"line"`
	Asset *record.Asset `json:"asset"`
	// Location is the row's location as Snipe-IT names it; the caller maps
	// it to a Location id (Asset.Location is left empty).
	Location string `json:"location,omitempty"`

	// StatusDefaulted is set when the row gave no status label and no
	// checkout: the status is in-stock by default, and an update keeps
	// the record's own.
	StatusDefaulted bool `json:"-"`

	nameCol, name string
	hostFromName  bool // Hostname came from the Item Name column
}

// Result is what a CSV file held.
type Result struct {
	Rows     int       `json:"rows"` // data rows read
	Items    []Item    `json:"-"`
	Problems []Problem `json:"problems"`
	// Columns is the header as read; Unused lists the named columns whose
	// values are not imported (estate has no field for them).
	Columns []string `json:"columns"`
	Unused  []string `json:"unused_columns"`
}

// Errors counts the rows that were not imported.
func (r *Result) Errors() int {
	n := 0
	for _, p := range r.Problems {
		if p.Severity == Error {
			n++
		}
	}
	return n
}

// The fields a column can fill.
const (
	fTag = iota + 1
	fName
	fSerial
	fCategory
	fCompany
	fManufacturer
	fModel
	fStatus
	fLocation
	fSupplier
	fOrder
	fPurchaseDate
	fPurchaseCost
	fCurrency
	fWarrantyMonths
	fWarrantyExpires
	fWarrantyProvider
	fEmail
	fUsername
	fFullName
	fFirstName
	fLastName
	fCheckoutType
	fCheckoutLocation
	fCheckoutAsset
	fNotes
	fHostname
	fOS
	fBaseline
	fLastAudit
	fLicences
	fTags
	fDisposalDate
	fDisposalMethod
	fDisposalCertificate
	nFields
)

// aliases maps a normalized header (lower case, single spaces) to a field.
var aliases = map[string]int{
	"asset tag": fTag, "asset_tag": fTag, "tag": fTag,
	"item name": fName, "name": fName, "asset name": fName,
	"serial number": fSerial, "serial": fSerial, "serial_number": fSerial,
	"category": fCategory, "company": fCompany, "manufacturer": fManufacturer,
	"model name": fModel, "model": fModel, "asset model": fModel,
	"status": fStatus, "status label": fStatus,
	"location": fLocation, "supplier": fSupplier,
	"order number": fOrder, "order": fOrder,
	"purchase date": fPurchaseDate, "purchased": fPurchaseDate,
	"purchase cost": fPurchaseCost, "cost": fPurchaseCost, "currency": fCurrency,
	"warranty months": fWarrantyMonths, "warranty": fWarrantyMonths, "warranty_months": fWarrantyMonths,
	"warranty expires": fWarrantyExpires, "warranty provider": fWarrantyProvider,
	"email": fEmail, "checked out to: email": fEmail, "checked out to email": fEmail, "assigned to email": fEmail,
	"username": fUsername, "checked out to: username": fUsername,
	"full name": fFullName, "checked out to": fFullName, "assigned to": fFullName, "checked out to: name": fFullName,
	"first name": fFirstName, "checked out to: first name": fFirstName,
	"last name": fLastName, "checked out to: last name": fLastName,
	"checkout type": fCheckoutType, "checked out to: location": fCheckoutLocation,
	"checked out to: asset tag": fCheckoutAsset, "checked out to: asset": fCheckoutAsset,
	"notes": fNotes, "asset notes": fNotes,
	"hostname": fHostname, "os": fOS, "operating system": fOS, "baseline": fBaseline,
	"last audit": fLastAudit, "last audit date": fLastAudit,
	"licences": fLicences, "licenses": fLicences, "tags": fTags,
	"disposal date": fDisposalDate, "disposal method": fDisposalMethod, "disposal certificate": fDisposalCertificate,
}

var (
	hostnameRE  = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$`)
	serialRE    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._/-]{0,63}$`)
	sciRE       = regexp.MustCompile(`^[0-9](\.[0-9]+)?[eE]\+[0-9]+$`)
	osValues    = []string{"macos", "windows", "linux", "ios", "ipados", "android", "chromeos", "other"}
	methods     = []string{"recycled", "resold", "destroyed", "returned", "donated"}
	tagReplacer = strings.NewReplacer(" ", "-", "\t", "-", "/", "-", "\\", "-", ":", "-")
)

// ErrNoTagColumn means the header names no asset tag column.
var ErrNoTagColumn = errors.New("the header row has no Asset Tag column")

// Read maps a Snipe-IT asset CSV file to assets. The error is for a file
// that is not such a CSV at all (empty, or no Asset Tag column); every
// problem with a row is a Problem in the result.
func Read(data []byte, m Mapping) (*Result, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if bytes.IndexByte(data, '\r') >= 0 {
		data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
		data = bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	header, err := cr.Read()
	header = append([]string(nil), header...) // ReuseRecord: keep a copy
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the file is empty: want a header row (Asset Tag, Item Name, Category, ...)")
		}
		return nil, fmt.Errorf("read the header row: %w", err)
	}
	res := &Result{}
	cols := make([]int, len(header)) // column index -> field (0: none)
	first := make([]int, nFields)    // field -> first column, -1 when absent
	for i := range first {
		first[i] = -1
	}
	named := map[string]int{}
	for i, h := range header {
		h = decodeField(h)
		h = strings.TrimSpace(h)
		res.Columns = append(res.Columns, h)
		n := norm(h)
		if n == "" {
			continue
		}
		if j, dup := named[n]; dup {
			res.Problems = append(res.Problems, Problem{Row: 1, Line: 1, Column: h, Severity: Warning,
				Reason: fmt.Sprintf("column %d repeats column %d (%q): the first non-empty value of the two is used", i+1, j+1, h)})
		} else {
			named[n] = i
		}
		f, ok := aliases[n]
		if !ok {
			res.Unused = append(res.Unused, h)
			continue
		}
		cols[i] = f
		if first[f] < 0 {
			first[f] = i
		}
	}
	if first[fTag] < 0 {
		return nil, fmt.Errorf("%w: it reads %q", ErrNoTagColumn, strings.Join(res.Columns, ","))
	}

	seen := map[string]int{} // lower-cased id -> row
	row := 1
	vals := make([]string, nFields)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		row++
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				res.Rows++
				res.Problems = append(res.Problems, Problem{Row: row, Line: pe.StartLine, Severity: Error,
					Reason: "the row is not valid CSV: " + pe.Err.Error()})
				continue
			}
			return nil, fmt.Errorf("read row %d: %w", row, err)
		}
		res.Rows++
		res.mapRow(rec, row, line, cols, header, vals, seen, m)
	}
	res.uniqueNames()
	return res, nil
}

// uniqueNames keeps an item name as the hostname only when no other row
// has the same one (Snipe-IT names need not be unique; hostnames must
// be); the others keep the name in notes, with a warning.
func (res *Result) uniqueNames() {
	count := map[string]int{}
	for _, it := range res.Items {
		if it.Asset.Hostname != "" {
			count[it.Asset.Hostname]++
		}
	}
	for _, it := range res.Items {
		a := it.Asset
		if !it.hostFromName || count[a.Hostname] < 2 {
			continue
		}
		res.Problems = append(res.Problems, Problem{Row: it.Row, Line: it.Line, Column: it.nameCol, Tag: a.ID, Severity: Warning,
			Reason: fmt.Sprintf("name %q is not unique in the file, so it is not used as the hostname; it is kept in notes", it.name)})
		a.Notes = strings.TrimPrefix(a.Notes+"\n"+it.nameCol+": "+it.name, "\n")
		a.Hostname = ""
	}
	sort.SliceStable(res.Problems, func(i, j int) bool { return res.Problems[i].Row < res.Problems[j].Row })
}

func (res *Result) mapRow(rec []string, row, line int, cols []int, header []string, vals []string, seen map[string]int, m Mapping) {
	for i := range vals {
		vals[i] = ""
	}
	colName := make(map[int]string, 4)
	var probs []Problem
	warn := func(col, format string, args ...any) {
		probs = append(probs, Problem{Row: row, Line: line, Column: col, Severity: Warning, Reason: fmt.Sprintf(format, args...)})
	}
	nonUTF8 := ""
	empty := true
	for i, v := range rec {
		if v == "" {
			continue
		}
		if !utf8.ValidString(v) {
			v = decodeField(v)
			if nonUTF8 == "" && i < len(header) {
				nonUTF8 = strings.TrimSpace(decodeField(header[i]))
			}
		}
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		empty = false
		if output.CSVEscaped(v) {
			v = v[1:] // a formula escaped by a CSV writer (ours does so)
		}
		if i >= len(cols) {
			warn("", "value %d is beyond the header's %d columns and was not imported: %q", i+1, len(cols), clip(v))
			continue
		}
		if f := cols[i]; f != 0 && vals[f] == "" {
			vals[f] = v
			colName[f] = strings.TrimSpace(decodeField(header[i]))
		} else if f == 0 && strings.TrimSpace(header[i]) == "" {
			warn("", "column %d has no name in the header; its value was not imported: %q", i+1, clip(v))
		}
	}
	if empty {
		res.Problems = append(res.Problems, Problem{Row: row, Line: line, Severity: Warning, Reason: "empty row: nothing to import"})
		return
	}
	if nonUTF8 != "" {
		warn(nonUTF8, "the row has bytes that are not UTF-8; they were read as Windows-1252")
	}
	col := func(f int) string {
		if n := colName[f]; n != "" {
			return n
		}
		return fieldName(f)
	}
	tag := vals[fTag]
	fail := func(f int, format string, args ...any) {
		c := ""
		if f != 0 {
			c = col(f)
		}
		for i := range probs {
			probs[i].Tag = tag
		}
		res.Problems = append(res.Problems, probs...)
		res.Problems = append(res.Problems, Problem{Row: row, Line: line, Column: c, Tag: tag, Severity: Error, Reason: fmt.Sprintf(format, args...)})
	}
	if tag == "" {
		fail(fTag, "no asset tag: estate needs one to name the record")
		return
	}
	id := tagReplacer.Replace(tag)
	for strings.Contains(id, "--") {
		id = strings.ReplaceAll(id, "--", "-")
	}
	if !isID(id) || strings.Contains(id, "..") {
		fail(fTag, "asset tag %q cannot be a record id (letters, digits, . _ -, up to 64, starting with a letter or digit)", clip(tag))
		return
	}
	if id != tag {
		warn(col(fTag), "asset tag %q becomes id %q", tag, id)
	}
	if r, dup := seen[strings.ToLower(id)]; dup {
		fail(fTag, "duplicate asset tag %q: row %d has it already", tag, r)
		return
	}
	seen[strings.ToLower(id)] = row

	a := &record.Asset{APIVersion: record.APIVersion, Kind: string(record.KindAsset), ID: id}
	hostFromName := false
	var notes []string
	keep := func(f int, why string) {
		warn(col(f), "%s; the value is kept in notes", why)
		notes = append(notes, col(f)+": "+vals[f])
	}

	// class
	class, ok := m.classOf(vals[fCategory])
	if !ok {
		if vals[fCategory] == "" {
			warn(col(fCategory), "no category: filed as class other")
		} else {
			warn(col(fCategory), "category %q maps to no class: filed as other (map it under category: in a mapping file)", clip(vals[fCategory]))
		}
	}
	a.Class = class

	// status, from the label and whether the row is checked out
	person := vals[fEmail] != "" || vals[fUsername] != "" || vals[fFullName] != "" || vals[fFirstName] != "" || vals[fLastName] != ""
	// Snipe-IT checks an asset out to a user, a location or another
	// asset; the last two hold it without a person.
	toLocation := strings.EqualFold(vals[fCheckoutType], "location") ||
		!person && vals[fCheckoutLocation] != "" && !strings.EqualFold(vals[fCheckoutType], "user")
	toAsset := strings.EqualFold(vals[fCheckoutType], "asset") || !person && !toLocation && vals[fCheckoutAsset] != ""
	if toLocation || toAsset {
		person = false
	}
	checkedOut := person || toLocation || toAsset
	defaulted := false
	if label := vals[fStatus]; label == "" {
		a.Status, defaulted = "in-stock", !checkedOut
		if checkedOut {
			a.Status = "deployed"
		}
	} else {
		st, ok := m.Status[norm(label)]
		if !ok {
			fail(fStatus, "unknown status label %q: map it to one of %s under status: in a mapping file (--map)", clip(label), strings.Join(States, ", "))
			return
		}
		if st == "in-stock" && checkedOut {
			st = "deployed"
		}
		a.Status = st
	}

	// owner
	switch email := vals[fEmail]; {
	case email != "" && isEmail(email):
		a.Owner = email
	case email != "":
		keep(fEmail, fmt.Sprintf("email %q is not an email address", clip(email)))
	}
	if a.Owner == "" && vals[fUsername] != "" && m.EmailDomain != "" {
		if u := vals[fUsername]; isEmail(u + "@" + m.EmailDomain) {
			a.Owner = u + "@" + m.EmailDomain
		}
	}
	switch {
	case toAsset && vals[fCheckoutAsset] == "":
		fail(fCheckoutType, "the asset is checked out to an asset, but the Checked Out To: Asset Tag column is empty")
		return
	case toAsset:
		a.AttachedTo, a.Owner = vals[fCheckoutAsset], ""
	case toLocation && vals[fCheckoutLocation] == "" && vals[fLocation] == "":
		fail(fCheckoutType, "the asset is checked out to a location, but no location is named")
		return
	case toLocation:
		a.HeldBy, a.Owner = record.HeldByLocation, ""
	}
	if a.Owner == "" && !toLocation && !toAsset && (a.Status == "deployed" || a.Status == "loaned") {
		if m.DefaultOwner == "" {
			who := "nobody"
			if vals[fUsername] != "" {
				who = "username " + strconvQuote(vals[fUsername]) + " (no email domain given)"
			} else if vals[fFullName] != "" || vals[fFirstName] != "" {
				who = "a name without an email"
			}
			fail(fEmail, "%s asset is checked out to %s: estate needs the owner's email (fill the Email column, or set email_domain or default_owner in a mapping file)", a.Status, who)
			return
		}
		a.Owner = m.DefaultOwner
	}

	// identity
	if s := vals[fSerial]; s != "" {
		switch {
		case sciRE.MatchString(s):
			keep(fSerial, fmt.Sprintf("serial %q looks like a spreadsheet's scientific notation (the digits are lost)", s))
		case isSerial(s):
			a.Serial = s
		default:
			keep(fSerial, fmt.Sprintf("serial %q has characters a serial may not hold", clip(s)))
		}
	}
	a.Manufacturer = vals[fManufacturer]
	a.Model = vals[fModel]
	if h := vals[fHostname]; h != "" {
		if isHostname(strings.ToLower(h)) {
			a.Hostname = strings.ToLower(h)
		} else {
			keep(fHostname, fmt.Sprintf("hostname %q is not a DNS name", clip(h)))
		}
	} else if n := vals[fName]; n != "" {
		if isHostname(strings.ToLower(n)) {
			a.Hostname = strings.ToLower(n)
			hostFromName = true
		} else {
			notes = append(notes, col(fName)+": "+n)
		}
	}
	if o := strings.ToLower(vals[fOS]); o != "" {
		if contains(osValues, o) {
			a.OS = o
		} else {
			keep(fOS, fmt.Sprintf("os %q is not one of %s", clip(vals[fOS]), strings.Join(osValues, ", ")))
		}
	}
	if b := vals[fBaseline]; b != "" {
		if isID(b) {
			a.Baseline = b
		} else {
			keep(fBaseline, fmt.Sprintf("baseline %q is not a baseline name", clip(b)))
		}
	} else if a.Status == "deployed" {
		a.Baseline = m.Baseline[a.Class]
	}

	// purchase
	p := record.Purchase{Supplier: vals[fSupplier], Order: vals[fOrder]}
	var bought time.Time
	if d := vals[fPurchaseDate]; d != "" {
		if t, ok := parseDate(d, m.DateOrder); ok {
			p.Date, bought = t.Format(time.DateOnly), t
		} else {
			keep(fPurchaseDate, fmt.Sprintf("purchase date %q is not a date", clip(d)))
		}
	}
	if c := vals[fPurchaseCost]; c != "" {
		if v, cur, ok := parseCost(c); ok {
			p.Cost, p.Currency = v, cur
		} else {
			keep(fPurchaseCost, fmt.Sprintf("purchase cost %q is not an amount", clip(c)))
		}
	}
	if c := strings.ToUpper(vals[fCurrency]); c != "" {
		if currencyRE.MatchString(c) {
			p.Currency = c
		} else {
			keep(fCurrency, fmt.Sprintf("currency %q is not a three-letter code", clip(vals[fCurrency])))
		}
	}
	if p.Currency == "" && p.Cost > 0 {
		p.Currency = m.Currency
	}
	if p != (record.Purchase{}) {
		a.Purchase = &p
	}

	// warranty
	if e := vals[fWarrantyExpires]; e != "" {
		if t, ok := parseDate(e, m.DateOrder); ok {
			a.Warranty = &record.Warranty{Expires: t.Format(time.DateOnly)}
		} else {
			keep(fWarrantyExpires, fmt.Sprintf("warranty expiry %q is not a date", clip(e)))
		}
	} else if w := vals[fWarrantyMonths]; w != "" {
		months, err := strconv.ParseFloat(w, 64)
		switch {
		case err != nil || months < 0 || months > 1200 || months != math.Trunc(months):
			keep(fWarrantyMonths, fmt.Sprintf("warranty %q is not a whole number of months", clip(w)))
		case bought.IsZero():
			keep(fWarrantyMonths, "warranty months without a purchase date give no expiry date")
		case months > 0:
			a.Warranty = &record.Warranty{Expires: bought.AddDate(0, int(months), 0).Format(time.DateOnly)}
		}
	}
	if a.Warranty != nil {
		a.Warranty.Provider = vals[fWarrantyProvider]
	}

	// audit, licences, tags, disposal
	if d := vals[fLastAudit]; d != "" {
		if t, ok := parseDate(d, m.DateOrder); ok {
			a.LastAudit = t.Format(time.DateOnly)
		} else {
			keep(fLastAudit, fmt.Sprintf("last audit %q is not a date", clip(d)))
		}
	}
	for _, l := range splitList(vals[fLicences]) {
		if isID(l) {
			a.Licences = append(a.Licences, l)
		} else {
			warn(col(fLicences), "licence %q is not a licence id and was left out", clip(l))
			notes = append(notes, col(fLicences)+": "+l)
		}
	}
	a.Tags = splitList(vals[fTags])
	if c := vals[fCompany]; c != "" {
		a.Tags = append(a.Tags, "company:"+c)
	}
	if a.Status == "disposed" {
		d := &record.Disposal{Method: strings.ToLower(vals[fDisposalMethod]), Certificate: vals[fDisposalCertificate]}
		if t, ok := parseDate(vals[fDisposalDate], m.DateOrder); ok {
			d.Date = t.Format(time.DateOnly)
		}
		if d.Date == "" || !contains(methods, d.Method) {
			fail(fStatus, "a disposed asset needs a Disposal Date and a Disposal Method (%s)", strings.Join(methods, ", "))
			return
		}
		a.Disposal = d
	}
	if n := vals[fNotes]; n != "" {
		notes = append([]string{n}, notes...)
	}
	a.Notes = strings.Join(notes, "\n")

	// An asset checked out to a location is there: that location holds
	// it (the Location column is its default location, kept in notes).
	loc := vals[fLocation]
	if toLocation && vals[fCheckoutLocation] != "" {
		if loc != "" && norm(loc) != norm(vals[fCheckoutLocation]) {
			a.Notes = strings.TrimPrefix(a.Notes+"\nDefault location: "+loc, "\n")
		}
		loc = vals[fCheckoutLocation]
	}
	if loc == "" {
		loc = vals[fCheckoutLocation]
	}
	for i := range probs {
		probs[i].Tag = tag
	}
	res.Problems = append(res.Problems, probs...)
	res.Items = append(res.Items, Item{Row: row, Line: line, Asset: a, Location: loc, nameCol: col(fName), name: vals[fName], hostFromName: hostFromName, StatusDefaulted: defaulted})
}

func fieldName(f int) string {
	for _, c := range ExportColumns {
		if aliases[norm(c)] == f {
			return c
		}
	}
	return ""
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '\n' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func clip(s string) string {
	if len(s) > 80 {
		i := 80
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		return s[:i] + "…"
	}
	return s
}

func strconvQuote(s string) string { return strconv.Quote(clip(s)) }

// parseDate reads YYYY-MM-DD (optionally with a time), YYYY/MM/DD, and
// M/D/YY or M/D/YYYY (D/M/... when order is dmy). Two-digit years are
// 2000-2068 for 00-68 and 1969-1999 for 69-99, as Go and POSIX read them.
func parseDate(s, order string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if i := strings.IndexAny(s, " T"); i == 10 {
		s = s[:10]
	}
	for _, layout := range []string{"2006-01-02", "2006/01/02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == '.' || r == '-' })
	if len(parts) != 3 {
		return time.Time{}, false
	}
	n := [3]int{}
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 {
			return time.Time{}, false
		}
		n[i] = v
	}
	mo, d, y := n[0], n[1], n[2]
	if order == "dmy" {
		mo, d = d, mo
	}
	if len(parts[2]) == 2 {
		if y < 69 {
			y += 2000
		} else {
			y += 1900
		}
	} else if len(parts[2]) != 4 {
		return time.Time{}, false
	}
	if mo < 1 || mo > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d { // 2/30
		return time.Time{}, false
	}
	return t, true
}

// parseCost reads an amount such as 1234.5, $1,234.50, £99, 1.234,50 EUR.
func parseCost(s string) (float64, string, bool) {
	cur := ""
	for sym, code := range map[string]string{"$": "USD", "£": "GBP", "€": "EUR", "¥": "JPY"} {
		if strings.Contains(s, sym) {
			cur = code
			s = strings.ReplaceAll(s, sym, "")
		}
	}
	s = strings.TrimSpace(s)
	if len(s) > 3 && currencyRE.MatchString(strings.ToUpper(s[len(s)-3:])) && !strings.ContainsAny(s[len(s)-3:], "0123456789") {
		cur = strings.ToUpper(s[len(s)-3:])
		s = strings.TrimSpace(s[:len(s)-3])
	} else if len(s) > 3 && currencyRE.MatchString(strings.ToUpper(s[:3])) && !strings.ContainsAny(s[:3], "0123456789") {
		cur = strings.ToUpper(s[:3])
		s = strings.TrimSpace(s[3:])
	}
	s = strings.ReplaceAll(s, " ", "")
	if c, d := strings.LastIndexByte(s, ','), strings.LastIndexByte(s, '.'); c > d && d >= 0 {
		s = strings.ReplaceAll(s, ".", "")  // 1.234,50
		s = strings.Replace(s, ",", ".", 1) // -> 1234.50
	} else if c >= 0 && d < 0 && len(s)-c == 3 && strings.Count(s, ",") == 1 && c <= 3 {
		s = strings.Replace(s, ",", ".", 1) // 12,50
	} else {
		s = strings.ReplaceAll(s, ",", "")
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, "", false
	}
	return math.Round(v*100) / 100, cur, true
}

// cp1252 is Windows-1252's 0x80-0x9F; the rest of the high half is
// Latin-1.
var cp1252 = [32]rune{
	0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
	0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
}

// decodeField returns s, or its Windows-1252 reading when s is not UTF-8.
func decodeField(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			c := s[i]
			switch {
			case c >= 0x80 && c < 0xA0:
				b.WriteRune(cp1252[c-0x80])
			default:
				b.WriteRune(rune(c))
			}
			i++
			continue
		}
		b.WriteString(s[i : i+n])
		i += n
	}
	return b.String()
}
