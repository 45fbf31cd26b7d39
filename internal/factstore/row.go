package factstore

import (
	"fmt"
	"time"

	"github.com/estate-dev/estate/internal/record"
)

// Row is one facts document as a Parquet row: the scalar facts flat (one
// column each, named as in #Facts with "." made "_"), packages, users,
// interfaces and errors as lists. An optional column is a fact that may
// be unknown (null). apiVersion and kind are the file's (key-value
// metadata), not columns.
type Row struct {
	CollectedAt      string `parquet:"collected_at"`
	Collector        string `parquet:"collector,dict"`
	CollectorVersion string `parquet:"collector_version,dict"`
	CollectorSource  string `parquet:"collector_source"`

	Serial       string `parquet:"serial"`
	Hostname     string `parquet:"hostname"`
	Model        string `parquet:"model,dict"`
	Manufacturer string `parquet:"manufacturer,dict"`
	UUID         string `parquet:"uuid"`

	OSFamily  string `parquet:"os_family,dict"`
	OSName    string `parquet:"os_name,dict"`
	OSVersion string `parquet:"os_version,dict"`
	OSBuild   string `parquet:"os_build,dict"`
	OSKernel  string `parquet:"os_kernel,dict"`
	OSArch    string `parquet:"os_arch,dict"`

	DiskEncryption    *bool  `parquet:"disk_encryption,optional"`
	Firewall          *bool  `parquet:"firewall,optional"`
	ScreenLockSeconds *int64 `parquet:"screen_lock_seconds,optional"`
	AutoUpdates       *bool  `parquet:"auto_updates,optional"`
	SecureBoot        *bool  `parquet:"secure_boot,optional"`
	Gatekeeper        *bool  `parquet:"gatekeeper,optional"`
	SIP               *bool  `parquet:"sip,optional"`
	Compliant         *bool  `parquet:"compliant,optional"`

	// HasPackages, HasUsers: the list was collected (an empty list is
	// known: nothing installed), as against not collected (unknown).
	HasPackages bool         `parquet:"has_packages"`
	Packages    []PackageRow `parquet:"packages,list"`
	HasUsers    bool         `parquet:"has_users"`
	Users       []UserRow    `parquet:"users,list"`
	Interfaces  []IfaceRow   `parquet:"interfaces,list"`
	Errors      []string     `parquet:"errors,list"`
}

// PackageRow is one installed package.
type PackageRow struct {
	Name    string `parquet:"name,dict"`
	Version string `parquet:"version,dict"`
	Source  string `parquet:"source,dict"`
}

// UserRow is one local user account.
type UserRow struct {
	Name     string `parquet:"name"`
	UID      *int64 `parquet:"uid,optional"`
	LoggedIn bool   `parquet:"logged_in"`
}

// IfaceRow is one network interface.
type IfaceRow struct {
	Name      string   `parquet:"name"`
	MAC       string   `parquet:"mac"`
	Addresses []string `parquet:"addresses,list"`
}

// FromFacts makes the row of a facts document. Sources and conflicts are
// not stored: the store holds each collector's own documents, and the
// reader merges them (facts.Merge) as it merges a folder's.
func FromFacts(f *record.Facts) Row {
	r := Row{CollectedAt: f.CollectedAt, Collector: f.Collector.Name, CollectorVersion: f.Collector.Version, CollectorSource: f.Collector.Source,
		Serial: f.Identity.Serial, Hostname: f.Identity.Hostname, Model: f.Identity.Model, Manufacturer: f.Identity.Manufacturer, UUID: f.Identity.UUID,
		Errors: f.Errors}
	if o := f.OS; o != nil {
		r.OSFamily, r.OSName, r.OSVersion, r.OSBuild, r.OSKernel, r.OSArch = o.Family, o.Name, o.Version, o.Build, o.Kernel, o.Arch
	}
	if s := f.Security; s != nil {
		r.DiskEncryption, r.Firewall, r.AutoUpdates, r.SecureBoot = s.DiskEncryption, s.Firewall, s.AutoUpdates, s.SecureBoot
		r.Gatekeeper, r.SIP, r.Compliant = s.Gatekeeper, s.SIP, s.Compliant
		if s.ScreenLockSeconds != nil {
			n := int64(*s.ScreenLockSeconds)
			r.ScreenLockSeconds = &n
		}
	}
	if f.Packages != nil {
		r.HasPackages = true
		r.Packages = make([]PackageRow, len(f.Packages))
		for i, p := range f.Packages {
			r.Packages[i] = PackageRow(p)
		}
	}
	if f.Users != nil {
		r.HasUsers = true
		r.Users = make([]UserRow, len(f.Users))
		for i, u := range f.Users {
			r.Users[i] = UserRow{Name: u.Name, LoggedIn: u.LoggedIn}
			if u.UID != nil {
				n := int64(*u.UID)
				r.Users[i].UID = &n
			}
		}
	}
	if f.Network != nil {
		for _, in := range f.Network.Interfaces {
			r.Interfaces = append(r.Interfaces, IfaceRow(in))
		}
	}
	return r
}

var (
	families   = map[string]bool{"linux": true, "macos": true, "windows": true, "ios": true, "android": true, "chromeos": true}
	collectors = map[string]bool{"local": true, "ssh": true, "osquery": true, "file": true, "mdm": true}
)

// problem is what makes a row no valid #Facts document: the checks of
// schema/facts.cue that a flat row can fail, in Go (the CUE validator
// per row would cost more than the whole audit of a million devices).
func (r *Row) problem() string {
	c := rowCheck{collectedAt: r.CollectedAt, collector: r.Collector, serial: r.Serial, hostname: r.Hostname, osFamily: r.OSFamily,
		screenLock: r.ScreenLockSeconds, hasPackages: r.HasPackages, hasUsers: r.HasUsers, packages: len(r.Packages), users: len(r.Users)}
	for i := range r.Packages {
		if r.Packages[i].Name == "" {
			c.emptyPackage = i + 1
			break
		}
	}
	for i := range r.Users {
		if r.Users[i].Name == "" {
			c.emptyUser = i + 1
			break
		}
	}
	return c.problem()
}

// rowCheck is what problem reads of a row: the column reader (columns.go)
// fills it from the columns, Row.problem from a row, so both give the
// same verdict and message.
type rowCheck struct {
	collectedAt, collector, serial, hostname, osFamily string
	screenLock                                         *int64
	hasPackages, hasUsers                              bool
	packages, users                                    int // list lengths
	emptyPackage, emptyUser                            int // the first without a name, 1-based; 0: none
}

func (r *rowCheck) problem() string {
	switch {
	case r.collectedAt == "":
		return "collected_at is empty"
	case !collectors[r.collector]:
		return fmt.Sprintf("collector %q is not one of local, ssh, osquery, file, mdm", r.collector)
	case r.serial == "" && r.hostname == "":
		return "the row names neither a serial nor a hostname, so no asset can be matched"
	case r.osFamily != "" && !families[r.osFamily]:
		return fmt.Sprintf("os_family %q is not one of linux, macos, windows, ios, android, chromeos", r.osFamily)
	case r.screenLock != nil && *r.screenLock < 0:
		return fmt.Sprintf("screen_lock_seconds is %d, below 0", *r.screenLock)
	case r.screenLock != nil && *r.screenLock > 1<<31:
		return fmt.Sprintf("screen_lock_seconds is %d, too large", *r.screenLock)
	}
	if _, err := time.Parse(time.RFC3339, r.collectedAt); err != nil {
		return fmt.Sprintf("collected_at %q is not an RFC 3339 time", r.collectedAt)
	}
	if r.emptyPackage > 0 {
		return fmt.Sprintf("package %d has no name", r.emptyPackage)
	}
	if r.emptyUser > 0 {
		return fmt.Sprintf("user %d has no name", r.emptyUser)
	}
	if !r.hasPackages && r.packages > 0 {
		return "has_packages is false but packages are listed"
	}
	if !r.hasUsers && r.users > 0 {
		return "has_users is false but users are listed"
	}
	return ""
}

// toFacts makes the facts document of a valid row.
func (r *Row) toFacts() *record.Facts {
	f := &record.Facts{APIVersion: record.APIVersion, Kind: string(record.KindFacts), CollectedAt: r.CollectedAt,
		Collector: record.Collector{Name: r.Collector, Version: r.CollectorVersion, Source: r.CollectorSource},
		Identity:  record.Identity{Serial: r.Serial, Hostname: r.Hostname, Model: r.Model, Manufacturer: r.Manufacturer, UUID: r.UUID}}
	if len(r.Errors) > 0 {
		f.Errors = append([]string(nil), r.Errors...)
	}
	if r.OSFamily != "" || r.OSName != "" || r.OSVersion != "" || r.OSBuild != "" || r.OSKernel != "" || r.OSArch != "" {
		f.OS = &record.OSFacts{Family: r.OSFamily, Name: r.OSName, Version: r.OSVersion, Build: r.OSBuild, Kernel: r.OSKernel, Arch: r.OSArch}
	}
	if r.DiskEncryption != nil || r.Firewall != nil || r.ScreenLockSeconds != nil || r.AutoUpdates != nil || r.SecureBoot != nil ||
		r.Gatekeeper != nil || r.SIP != nil || r.Compliant != nil {
		s := &record.Security{DiskEncryption: r.DiskEncryption, Firewall: r.Firewall, AutoUpdates: r.AutoUpdates, SecureBoot: r.SecureBoot,
			Gatekeeper: r.Gatekeeper, SIP: r.SIP, Compliant: r.Compliant}
		if r.ScreenLockSeconds != nil {
			n := int(*r.ScreenLockSeconds)
			s.ScreenLockSeconds = &n
		}
		f.Security = s
	}
	if r.HasPackages {
		f.Packages = make([]record.Package, len(r.Packages))
		for i, p := range r.Packages {
			f.Packages[i] = record.Package(p)
		}
	}
	if r.HasUsers {
		f.Users = make([]record.User, len(r.Users))
		for i, u := range r.Users {
			f.Users[i] = record.User{Name: u.Name, LoggedIn: u.LoggedIn}
			if u.UID != nil {
				n := int(*u.UID)
				f.Users[i].UID = &n
			}
		}
	}
	if len(r.Interfaces) > 0 {
		f.Network = &record.Network{Interfaces: make([]record.Interface, len(r.Interfaces))}
		for i, in := range r.Interfaces {
			f.Network.Interfaces[i] = record.Interface{Name: in.Name, MAC: in.MAC}
			if len(in.Addresses) > 0 {
				f.Network.Interfaces[i].Addresses = append([]string(nil), in.Addresses...)
			}
		}
	}
	return f
}
