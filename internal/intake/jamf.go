package intake

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/estate-dev/estate/internal/record"
)

// JamfComputer is the part of a Jamf Pro computers-inventory record
// estate reads (sections GENERAL, HARDWARE, OPERATING_SYSTEM,
// APPLICATIONS, DISK_ENCRYPTION, SECURITY, USER_AND_LOCATION).
type JamfComputer struct {
	ID      string `json:"id"`
	UDID    string `json:"udid"`
	General *struct {
		Name            string `json:"name"`
		Platform        string `json:"platform"`
		LastContactTime string `json:"lastContactTime"`
		ReportDate      string `json:"reportDate"`
	} `json:"general"`
	Hardware *struct {
		Make                  string `json:"make"`
		Model                 string `json:"model"`
		SerialNumber          string `json:"serialNumber"`
		ProcessorArchitecture string `json:"processorArchitecture"`
	} `json:"hardware"`
	OperatingSystem *struct {
		Name             string `json:"name"`
		Version          string `json:"version"`
		Build            string `json:"build"`
		FileVault2Status string `json:"fileVault2Status"`
	} `json:"operatingSystem"`
	Applications []struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	} `json:"applications"`
	DiskEncryption *struct {
		BootPartition *struct {
			State string `json:"partitionFileVault2State"`
		} `json:"bootPartitionEncryptionDetails"`
	} `json:"diskEncryption"`
	Security *struct {
		SIPStatus        string `json:"sipStatus"`
		GatekeeperStatus string `json:"gatekeeperStatus"`
		FirewallEnabled  *bool  `json:"firewallEnabled"`
		SecureBootLevel  string `json:"secureBootLevel"`
	} `json:"security"`
	UserAndLocation *struct {
		Username string `json:"username"`
	} `json:"userAndLocation"`
}

// JamfSections are the sections FromJamf reads, as the inventory's
// section query parameter names them.
var JamfSections = []string{"GENERAL", "HARDWARE", "OPERATING_SYSTEM", "APPLICATIONS", "DISK_ENCRYPTION", "SECURITY", "USER_AND_LOCATION"}

// ParseJamfPage reads a computers-inventory page ({"totalCount": N,
// "results": [...]}) or one computer (computers-inventory-detail): the
// computers and the totalCount (-1 for one computer).
func ParseJamfPage(data []byte) ([]JamfComputer, int, error) {
	var p struct {
		TotalCount *int            `json:"totalCount"`
		Results    json.RawMessage `json:"results"`
		ID         string          `json:"id"`
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, 0, jsonErr("read Jamf page", data, err)
	}
	if r := bytes.TrimSpace(p.Results); len(r) > 0 && string(r) != "null" {
		var cs []JamfComputer
		if err := json.Unmarshal(r, &cs); err != nil {
			return nil, 0, fmt.Errorf("read Jamf page: results: %w", err)
		}
		if p.TotalCount == nil {
			return nil, 0, errors.New("read Jamf page: results without a totalCount")
		}
		return cs, *p.TotalCount, nil
	}
	if p.ID == "" {
		return nil, 0, errors.New("read Jamf page: neither results nor a computer id: not a computers-inventory response")
	}
	var c JamfComputer
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, 0, fmt.Errorf("read Jamf page: %w", err)
	}
	return []JamfComputer{c}, -1, nil
}

// FromJamf maps a computer to facts: hardware serialNumber, make and
// model and general name to identity (udid to uuid); operatingSystem
// name, version and build and hardware processorArchitecture to os
// (family macos for platform Mac); FileVault (operatingSystem
// fileVault2Status, else the boot partition's state) to
// security.disk_encryption; security firewallEnabled, gatekeeperStatus,
// sipStatus and secureBootLevel to firewall, gatekeeper, sip and
// secure_boot; applications to packages (source "apps"); the
// userAndLocation username to users; general lastContactTime (else
// reportDate) to collected_at.
func FromJamf(c JamfComputer, now time.Time) *record.Facts {
	f := newFacts("jamf:computers-inventory/" + c.ID)
	var contact string
	if g := c.General; g != nil {
		f.Identity.Hostname = clean(g.Name)
		contact = g.LastContactTime
		if contact == "" {
			contact = g.ReportDate
		}
	}
	f.CollectedAt = collectedAt(contact, now, "lastContactTime", f)
	f.Identity.UUID = clean(c.UDID)
	if h := c.Hardware; h != nil {
		f.Identity.Serial, f.Identity.Manufacturer, f.Identity.Model = clean(h.SerialNumber), clean(h.Make), clean(h.Model)
	}
	osf := record.OSFacts{}
	if c.General != nil && strings.EqualFold(c.General.Platform, "mac") {
		osf.Family = "macos"
	}
	if o := c.OperatingSystem; o != nil {
		osf.Name, osf.Version, osf.Build = clean(o.Name), clean(o.Version), clean(o.Build)
		if osf.Family == "" {
			osf.Family = family(o.Name)
		}
	}
	if h := c.Hardware; h != nil {
		osf.Arch = clean(h.ProcessorArchitecture)
	}
	if osf != (record.OSFacts{}) {
		f.OS = &osf
	}
	sec := record.Security{DiskEncryption: fileVault(c)}
	if s := c.Security; s != nil {
		sec.Firewall = s.FirewallEnabled
		sec.Gatekeeper = oneOf(s.GatekeeperStatus, []string{"APP_STORE_AND_IDENTIFIED_DEVELOPERS", "APP_STORE", "IDENTIFIED_DEVELOPERS"}, []string{"DISABLED"})
		sec.SIP = oneOf(s.SIPStatus, []string{"ENABLED"}, []string{"DISABLED"})
		sec.SecureBoot = oneOf(s.SecureBootLevel, []string{"FULL_SECURITY", "MEDIUM_SECURITY"}, []string{"NO_SECURITY"})
	}
	if sec != (record.Security{}) {
		f.Security = &sec
	}
	for _, a := range c.Applications {
		if n := clean(a.Name); n != "" {
			f.Packages = append(f.Packages, record.Package{Name: strings.TrimSuffix(n, ".app"), Version: clean(a.Version), Source: "apps"})
		}
	}
	if u := c.UserAndLocation; u != nil && clean(u.Username) != "" {
		f.Users = []record.User{{Name: clean(u.Username)}}
	}
	return f
}

// fileVault reads whether the boot volume is FileVault-encrypted:
// operatingSystem.fileVault2Status first (ALL_ENCRYPTED, BOOT_ENCRYPTED
// true; SOME_ENCRYPTED, NOT_ENCRYPTED false), else the boot partition's
// partitionFileVault2State (ENCRYPTED, VALID true; a volume still
// encrypting, or not, false). nil when neither says.
func fileVault(c JamfComputer) *bool {
	if o := c.OperatingSystem; o != nil {
		if v := oneOf(o.FileVault2Status, []string{"ALL_ENCRYPTED", "BOOT_ENCRYPTED"}, []string{"SOME_ENCRYPTED", "NOT_ENCRYPTED"}); v != nil {
			return v
		}
	}
	if d := c.DiskEncryption; d != nil && d.BootPartition != nil {
		return oneOf(d.BootPartition.State, []string{"ENCRYPTED", "VALID"},
			[]string{"UNENCRYPTED", "DECRYPTED", "DECRYPTING", "ENCRYPTING", "ENCRYPTING_PAUSED", "DECRYPTING_PAUSED", "INELIGIBLE"})
	}
	return nil
}

// oneOf is true when v is one of yes, false when one of no, else nil
// (unknown: NOT_COLLECTED, UNKNOWN, a value not known to estate).
func oneOf(v string, yes, no []string) *bool {
	v = strings.ToUpper(strings.TrimSpace(v))
	for _, y := range yes {
		if v == y {
			return ptr(true)
		}
	}
	for _, n := range no {
		if v == n {
			return ptr(false)
		}
	}
	return nil
}

// jamf streams computers-inventory, Workers pages at once, up to
// totalCount.
func (p *puller) jamf(ctx context.Context) error {
	type page struct {
		cs    []JamfComputer
		total int
	}
	var pages atomic.Int64 // known from the first page: none asked for past them
	fetch := func(ctx context.Context, n int) (page, error) {
		if last := pages.Load(); n > 0 && int64(n) >= last {
			return page{}, nil
		}
		q := url.Values{"section": JamfSections, "page": {strconv.Itoa(n)}, "page-size": {strconv.Itoa(p.o.PageSize)}, "sort": {"id:asc"}}
		body, err := p.get(ctx, p.api.String()+"/api/v1/computers-inventory?"+q.Encode())
		if err != nil {
			return page{}, err
		}
		cs, total, err := ParseJamfPage(body)
		if err == nil && total < 0 {
			err = errors.New("read Jamf page: one computer, not a page of results")
		}
		if n == 0 && err == nil {
			pages.Store(int64((total + p.o.PageSize - 1) / p.o.PageSize))
		}
		return page{cs, total}, err
	}
	return numbered(ctx, p.o.Workers, fetch, func(n int, pg page) (bool, error) {
		for _, c := range pg.cs {
			if err := p.emit(FromJamf(c, p.o.Now)); err != nil {
				return false, err
			}
		}
		p.page(pg.total)
		return len(pg.cs) > 0 && (n+1)*p.o.PageSize < pg.total, nil
	})
}
