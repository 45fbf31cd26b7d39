package record

import (
	"slices"
	"strings"
)

// The typed records. Field names and YAML keys follow schema/*.cue, which is
// the authority: these types hold what the schemas accept. Dates are kept as
// written (YYYY-MM-DD strings), never reinterpreted.

// Asset is one device (inventory/<class>/<id>.yaml).
type Asset struct {
	APIVersion   string      `yaml:"apiVersion" json:"apiVersion"`
	Kind         string      `yaml:"kind" json:"kind"`
	ID           string      `yaml:"id" json:"id"`
	Class        string      `yaml:"class" json:"class"`
	Status       string      `yaml:"status" json:"status"`
	Serial       string      `yaml:"serial,omitempty" json:"serial,omitempty"`
	Manufacturer string      `yaml:"manufacturer,omitempty" json:"manufacturer,omitempty"`
	Model        string      `yaml:"model,omitempty" json:"model,omitempty"`
	Hostname     string      `yaml:"hostname,omitempty" json:"hostname,omitempty"`
	OS           string      `yaml:"os,omitempty" json:"os,omitempty"`
	Owner        string      `yaml:"owner,omitempty" json:"owner,omitempty"`
	Location     string      `yaml:"location,omitempty" json:"location,omitempty"`
	HeldBy       string      `yaml:"held_by,omitempty" json:"held_by,omitempty"`
	AttachedTo   string      `yaml:"attached_to,omitempty" json:"attached_to,omitempty"`
	Baseline     string      `yaml:"baseline,omitempty" json:"baseline,omitempty"`
	Purchase     *Purchase   `yaml:"purchase,omitempty" json:"purchase,omitempty"`
	Warranty     *Warranty   `yaml:"warranty,omitempty" json:"warranty,omitempty"`
	Licences     []string    `yaml:"licences,omitempty" json:"licences,omitempty"`
	Exemptions   []Exemption `yaml:"exemptions,omitempty" json:"exemptions,omitempty"`
	Disposal     *Disposal   `yaml:"disposal,omitempty" json:"disposal,omitempty"`
	LastAudit    string      `yaml:"last_audit,omitempty" json:"last_audit,omitempty"`
	Tags         []string    `yaml:"tags,omitempty" json:"tags,omitempty"`
	Notes        string      `yaml:"notes,omitempty" json:"notes,omitempty"`
}

// Purchase is how an asset was bought.
type Purchase struct {
	Date     string  `yaml:"date,omitempty" json:"date,omitempty"`
	Cost     float64 `yaml:"cost,omitempty" json:"cost,omitempty"`
	Currency string  `yaml:"currency,omitempty" json:"currency,omitempty"`
	Supplier string  `yaml:"supplier,omitempty" json:"supplier,omitempty"`
	Order    string  `yaml:"order,omitempty" json:"order,omitempty"`
}

// Warranty is an asset's warranty.
type Warranty struct {
	Expires  string `yaml:"expires" json:"expires"`
	Provider string `yaml:"provider,omitempty" json:"provider,omitempty"`
}

// Exemption waives one baseline control for an asset until Expires.
type Exemption struct {
	Control string `yaml:"control" json:"control"`
	Reason  string `yaml:"reason" json:"reason"`
	Change  string `yaml:"change" json:"change"`
	Expires string `yaml:"expires" json:"expires"`
}

// Disposal records how an asset left the estate.
type Disposal struct {
	Date        string `yaml:"date" json:"date"`
	Method      string `yaml:"method" json:"method"`
	Certificate string `yaml:"certificate,omitempty" json:"certificate,omitempty"`
	By          string `yaml:"by,omitempty" json:"by,omitempty"`
}

// Licence is a software entitlement (inventory/licences/<id>.yaml).
type Licence struct {
	APIVersion string       `yaml:"apiVersion" json:"apiVersion"`
	Kind       string       `yaml:"kind" json:"kind"`
	ID         string       `yaml:"id" json:"id"`
	Product    string       `yaml:"product" json:"product"`
	Vendor     string       `yaml:"vendor,omitempty" json:"vendor,omitempty"`
	Metric     string       `yaml:"metric,omitempty" json:"metric,omitempty"`
	Seats      int          `yaml:"seats" json:"seats"`
	Expires    string       `yaml:"expires,omitempty" json:"expires,omitempty"`
	Cost       *LicenceCost `yaml:"cost,omitempty" json:"cost,omitempty"`
	Packages   []string     `yaml:"packages,omitempty" json:"packages,omitempty"`
	Owner      string       `yaml:"owner,omitempty" json:"owner,omitempty"`
	Order      string       `yaml:"order,omitempty" json:"order,omitempty"`
	Notes      string       `yaml:"notes,omitempty" json:"notes,omitempty"`
}

// LicenceCost is what a licence costs per period.
type LicenceCost struct {
	Amount   float64 `yaml:"amount" json:"amount"`
	Currency string  `yaml:"currency" json:"currency"`
	Period   string  `yaml:"period,omitempty" json:"period,omitempty"`
}

// Location is a site, building, room or store (inventory/locations/<id>.yaml).
type Location struct {
	APIVersion string `yaml:"apiVersion" json:"apiVersion"`
	Kind       string `yaml:"kind" json:"kind"`
	ID         string `yaml:"id" json:"id"`
	Name       string `yaml:"name" json:"name"`
	Type       string `yaml:"type" json:"type"`
	Parent     string `yaml:"parent,omitempty" json:"parent,omitempty"`
	Address    string `yaml:"address,omitempty" json:"address,omitempty"`
	Country    string `yaml:"country,omitempty" json:"country,omitempty"`
	Timezone   string `yaml:"timezone,omitempty" json:"timezone,omitempty"`
	Contact    string `yaml:"contact,omitempty" json:"contact,omitempty"`
	Notes      string `yaml:"notes,omitempty" json:"notes,omitempty"`
}

// Person is someone who can hold assets (inventory/people/<id>.yaml; the
// id is the email address in lower case).
type Person struct {
	APIVersion string `yaml:"apiVersion" json:"apiVersion"`
	Kind       string `yaml:"kind" json:"kind"`
	ID         string `yaml:"id" json:"id"`
	Name       string `yaml:"name" json:"name"`
	GitHub     string `yaml:"github,omitempty" json:"github,omitempty"`
	Team       string `yaml:"team,omitempty" json:"team,omitempty"`
	Manager    string `yaml:"manager,omitempty" json:"manager,omitempty"`
	Location   string `yaml:"location,omitempty" json:"location,omitempty"`
	Status     string `yaml:"status" json:"status"`
	Left       string `yaml:"left,omitempty" json:"left,omitempty"`
	Source     string `yaml:"source,omitempty" json:"source,omitempty"`
	Notes      string `yaml:"notes,omitempty" json:"notes,omitempty"`
}

// Person statuses.
const (
	PersonActive = "active"
	PersonLeaver = "leaver"
)

// Baseline is a versioned set of controls (policies/baselines/<name>.yaml).
type Baseline struct {
	APIVersion string     `yaml:"apiVersion" json:"apiVersion"`
	Kind       string     `yaml:"kind" json:"kind"`
	Name       string     `yaml:"name" json:"name"`
	Version    string     `yaml:"version" json:"version"`
	Title      string     `yaml:"title,omitempty" json:"title,omitempty"`
	Owner      string     `yaml:"owner,omitempty" json:"owner,omitempty"`
	Extends    string     `yaml:"extends,omitempty" json:"extends,omitempty"`
	AppliesTo  *AppliesTo `yaml:"applies_to,omitempty" json:"applies_to,omitempty"`
	// Effective and Grace apply to every control of this version that
	// does not set its own: see Control.
	Effective string    `yaml:"effective,omitempty" json:"effective,omitempty"`
	Grace     string    `yaml:"grace,omitempty" json:"grace,omitempty"`
	Controls  []Control `yaml:"controls" json:"controls"`
}

// AppliesTo scopes a baseline to classes and an operating system.
type AppliesTo struct {
	Classes []string `yaml:"classes,omitempty" json:"classes,omitempty"`
	OS      string   `yaml:"os,omitempty" json:"os,omitempty"`
}

// Control is one requirement of a baseline.
type Control struct {
	ID          string `yaml:"id" json:"id"`
	Title       string `yaml:"title" json:"title"`
	Severity    string `yaml:"severity" json:"severity"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	// Effective (YYYY-MM-DD) is the day the control starts to count: a
	// device failing it before then is upcoming, not non-compliant.
	Effective string `yaml:"effective,omitempty" json:"effective,omitempty"`
	// Grace ("14d", "2w") is how long a device may fail the control,
	// from its first failure on or after Effective, before it is breached.
	Grace string `yaml:"grace,omitempty" json:"grace,omitempty"`
	Check Check  `yaml:"check" json:"check"`
}

// Check says what a control reads (a fact path or a package) and how it
// judges it. Unset operators are nil.
type Check struct {
	Fact    string   `yaml:"fact,omitempty" json:"fact,omitempty"`
	Package string   `yaml:"package,omitempty" json:"package,omitempty"`
	Equals  any      `yaml:"equals,omitempty" json:"equals,omitempty"`
	OneOf   []any    `yaml:"one_of,omitempty" json:"one_of,omitempty"`
	Version string   `yaml:"version,omitempty" json:"version,omitempty"`
	Min     *float64 `yaml:"min,omitempty" json:"min,omitempty"`
	Max     *float64 `yaml:"max,omitempty" json:"max,omitempty"`
	Matches string   `yaml:"matches,omitempty" json:"matches,omitempty"`
	Present bool     `yaml:"present,omitempty" json:"present,omitempty"`
	Absent  bool     `yaml:"absent,omitempty" json:"absent,omitempty"`
	MaxAge  string   `yaml:"max_age,omitempty" json:"max_age,omitempty"`
}

// ChangeRequest is changes/<id>.yaml.
type ChangeRequest struct {
	APIVersion  string   `yaml:"apiVersion" json:"apiVersion"`
	Kind        string   `yaml:"kind" json:"kind"`
	ID          string   `yaml:"id" json:"id"`
	Title       string   `yaml:"title" json:"title"`
	Type        string   `yaml:"type" json:"type"`
	Template    string   `yaml:"template,omitempty" json:"template,omitempty"`
	Reason      string   `yaml:"reason" json:"reason"`
	Risk        string   `yaml:"risk" json:"risk"`
	RequestedBy string   `yaml:"requested_by,omitempty" json:"requested_by,omitempty"`
	Window      *Window  `yaml:"window,omitempty" json:"window,omitempty"`
	Backout     string   `yaml:"backout,omitempty" json:"backout,omitempty"`
	Links       []string `yaml:"links,omitempty" json:"links,omitempty"`
	Records     []string `yaml:"records,omitempty" json:"records,omitempty"`
	ReviewDue   string   `yaml:"review_due,omitempty" json:"review_due,omitempty"`
}

// Window is a time range in RFC 3339.
type Window struct {
	Start string `yaml:"start" json:"start"`
	End   string `yaml:"end" json:"end"`
}

// ChangePolicy is policies/change-control.yaml.
type ChangePolicy struct {
	APIVersion      string           `yaml:"apiVersion" json:"apiVersion"`
	Kind            string           `yaml:"kind" json:"kind"`
	Name            string           `yaml:"name,omitempty" json:"name,omitempty"`
	Approvals       []ApprovalRule   `yaml:"approvals" json:"approvals"`
	Risk            *RiskPolicy      `yaml:"risk,omitempty" json:"risk,omitempty"`
	FreezeWindows   []FreezeWindow   `yaml:"freeze_windows,omitempty" json:"freeze_windows,omitempty"`
	StandardChanges []StandardChange `yaml:"standard_changes,omitempty" json:"standard_changes,omitempty"`
	Emergency       *EmergencyPolicy `yaml:"emergency,omitempty" json:"emergency,omitempty"`
}

// ApprovalRule requires Count approvals (from Teams or Users, when given)
// of every change that matches When.
type ApprovalRule struct {
	Name  string    `yaml:"name" json:"name"`
	When  *Selector `yaml:"when,omitempty" json:"when,omitempty"`
	Count int       `yaml:"count" json:"count"`
	Teams []string  `yaml:"teams,omitempty" json:"teams,omitempty"`
	Users []string  `yaml:"users,omitempty" json:"users,omitempty"`
}

// Selector matches a change by risk, type, classes, kinds or paths touched.
type Selector struct {
	Risk    []string `yaml:"risk,omitempty" json:"risk,omitempty"`
	Type    []string `yaml:"type,omitempty" json:"type,omitempty"`
	Classes []string `yaml:"classes,omitempty" json:"classes,omitempty"`
	Kinds   []string `yaml:"kinds,omitempty" json:"kinds,omitempty"`
	Paths   []string `yaml:"paths,omitempty" json:"paths,omitempty"`
}

// RiskPolicy holds the rules that compute a change's risk.
type RiskPolicy struct {
	Rules []RiskRule `yaml:"rules" json:"rules"`
}

// RiskRule raises a change's computed risk to Risk when When matches.
type RiskRule struct {
	Name string       `yaml:"name" json:"name"`
	Risk string       `yaml:"risk" json:"risk"`
	When RiskSelector `yaml:"when" json:"when"`
}

// RiskSelector matches a change for a risk rule.
type RiskSelector struct {
	Classes     []string `yaml:"classes,omitempty" json:"classes,omitempty"`
	Kinds       []string `yaml:"kinds,omitempty" json:"kinds,omitempty"`
	DevicesOver *int     `yaml:"devices_over,omitempty" json:"devices_over,omitempty"`
	Type        []string `yaml:"type,omitempty" json:"type,omitempty"`
	Fields      []string `yaml:"fields,omitempty" json:"fields,omitempty"`
}

// FreezeWindow is a period in which changes may not merge, but for Allow.
type FreezeWindow struct {
	Name  string   `yaml:"name" json:"name"`
	Start string   `yaml:"start" json:"start"`
	End   string   `yaml:"end" json:"end"`
	Allow []string `yaml:"allow,omitempty" json:"allow,omitempty"`
}

// StandardChange is an entry of the standard-change catalogue: a
// pre-approved change that touches only Fields of records of Kinds/Classes.
type StandardChange struct {
	ID         string   `yaml:"id" json:"id"`
	Title      string   `yaml:"title" json:"title"`
	Kinds      []string `yaml:"kinds,omitempty" json:"kinds,omitempty"`
	Classes    []string `yaml:"classes,omitempty" json:"classes,omitempty"`
	Fields     []string `yaml:"fields" json:"fields"`
	MaxRecords int      `yaml:"max_records,omitempty" json:"max_records,omitempty"`
}

// EmergencyPolicy says when an emergency change's review is due.
type EmergencyPolicy struct {
	ReviewWithinDays int `yaml:"review_within_days" json:"review_within_days"`
}

// Settings is estate.yaml.
type Settings struct {
	APIVersion     string                   `yaml:"apiVersion" json:"apiVersion"`
	Kind           string                   `yaml:"kind" json:"kind"`
	IDs            *IDPatterns              `yaml:"ids,omitempty" json:"ids,omitempty"`
	ManagedClasses []string                 `yaml:"managed_classes,omitempty" json:"managed_classes,omitempty"`
	Ledger         *LedgerSettings          `yaml:"ledger,omitempty" json:"ledger,omitempty"`
	GitHub         *GitHubSettings          `yaml:"github,omitempty" json:"github,omitempty"`
	Audit          *AuditSettings           `yaml:"audit,omitempty" json:"audit,omitempty"`
	Refresh        map[string]RefreshPolicy `yaml:"refresh,omitempty" json:"refresh,omitempty"`
	Incidents      *IncidentSettings        `yaml:"incidents,omitempty" json:"incidents,omitempty"`
	Layout         *LayoutSettings          `yaml:"layout,omitempty" json:"layout,omitempty"`
}

// LayoutSettings say where the inventory's records are filed. With Prefix
// N, an asset, licence or location sits in a sub-folder named by the
// first N characters of its id (the whole id when it is shorter):
// inventory/laptop/LT-01/LT-01234.yaml for prefix 5. Zero: flat folders.
type LayoutSettings struct {
	Prefix int `yaml:"prefix,omitempty" json:"prefix,omitempty"`
}

// LayoutRule returns the estate's layout (the flat one when estate.yaml has none).
func (s *Settings) LayoutRule() LayoutSettings {
	if s == nil || s.Layout == nil {
		return LayoutSettings{}
	}
	return *s.Layout
}

// Folder returns the sub-folder the layout files id in ("" when flat).
func (l LayoutSettings) Folder(id string) string {
	if l.Prefix <= 0 || id == "" {
		return ""
	}
	if len(id) <= l.Prefix {
		return id
	}
	return id[:l.Prefix]
}

// Path returns where the layout files a record of kind k (an asset of
// class) with this id, "" for kinds it does not file (baselines, changes
// and the policy have fixed places).
func (l LayoutSettings) Path(k Kind, class, id string) string {
	var dir string
	switch k {
	case KindAsset:
		dir = "inventory/" + class
	case KindLicence:
		dir = "inventory/licences"
	case KindLocation:
		dir = "inventory/locations"
	default:
		return ""
	}
	if sub := l.Folder(id); sub != "" {
		dir += "/" + sub
	}
	return dir + "/" + id + ".yaml"
}

// IncidentSettings tune estate incidents sync.
type IncidentSettings struct {
	// Group is device (one issue per device, the default) or control (one
	// issue per failing control).
	Group string `yaml:"group,omitempty" json:"group,omitempty"`
	// SLA is how long each severity may stay open ("3d", "2w", "36h").
	SLA map[string]string `yaml:"sla,omitempty" json:"sla,omitempty"`
	// Assignees maps an owner's email to a GitHub login.
	Assignees map[string]string `yaml:"assignees,omitempty" json:"assignees,omitempty"`
}

// IDPatterns narrows ids per kind (regular expressions).
type IDPatterns struct {
	Asset    string `yaml:"asset,omitempty" json:"asset,omitempty"`
	Licence  string `yaml:"licence,omitempty" json:"licence,omitempty"`
	Location string `yaml:"location,omitempty" json:"location,omitempty"`
	Change   string `yaml:"change,omitempty" json:"change,omitempty"`
}

// LedgerSettings says where the ledger lives.
type LedgerSettings struct {
	Ref string `yaml:"ref,omitempty" json:"ref,omitempty"`
}

// GitHubSettings names the repository on GitHub.
type GitHubSettings struct {
	DefaultBranch string `yaml:"default_branch,omitempty" json:"default_branch,omitempty"`
	Owner         string `yaml:"owner,omitempty" json:"owner,omitempty"`
	Repo          string `yaml:"repo,omitempty" json:"repo,omitempty"`
}

// AuditSettings tunes the physical audit.
type AuditSettings struct {
	MissingAfterDays  int `yaml:"missing_after_days,omitempty" json:"missing_after_days,omitempty"`
	PhysicalAuditDays int `yaml:"physical_audit_days,omitempty" json:"physical_audit_days,omitempty"`
}

// RefreshPolicy is how long a class of device is kept and what replacing it costs.
type RefreshPolicy struct {
	Years float64 `yaml:"years" json:"years"`
	Cost  float64 `yaml:"cost,omitempty" json:"cost,omitempty"`
}

// DefaultManagedClasses need a baseline when deployed, unless estate.yaml says otherwise.
var DefaultManagedClasses = []string{"laptop", "desktop", "server", "phone", "tablet", "thin-client"}

// ManagedClasses returns the classes that need a baseline when deployed.
func (s *Settings) ManagedClassList() []string {
	if s == nil || s.ManagedClasses == nil {
		return DefaultManagedClasses
	}
	return s.ManagedClasses
}

// LedgerRef returns the ref the ledger lives on.
func (s *Settings) LedgerRef() string {
	if s == nil || s.Ledger == nil || s.Ledger.Ref == "" {
		return "refs/estate/ledger"
	}
	return s.Ledger.Ref
}

// Facts is the real state of one device (see #Facts). Absent facts are unknown.
type Facts struct {
	APIVersion  string    `yaml:"apiVersion" json:"apiVersion"`
	Kind        string    `yaml:"kind" json:"kind"`
	CollectedAt string    `yaml:"collected_at" json:"collected_at"`
	Collector   Collector `yaml:"collector" json:"collector"`
	Identity    Identity  `yaml:"identity" json:"identity"`
	OS          *OSFacts  `yaml:"os,omitempty" json:"os,omitempty"`
	Security    *Security `yaml:"security,omitempty" json:"security,omitempty"`
	Packages    []Package `yaml:"packages,omitempty" json:"packages,omitempty"`
	Users       []User    `yaml:"users,omitempty" json:"users,omitempty"`
	Network     *Network  `yaml:"network,omitempty" json:"network,omitempty"`
	// Policies are the results of a device-management service's own
	// checks on the device (Fleet's policies), as it reported them.
	Policies []Policy `yaml:"policies,omitempty" json:"policies,omitempty"`
	Errors   []string `yaml:"errors,omitempty" json:"errors,omitempty"`
	// Sources and Conflicts are set on a document merged from several
	// (one device seen by several collectors): each source and the facts
	// it gave, and the facts on which they disagreed.
	Sources   []FactSource `yaml:"sources,omitempty" json:"sources,omitempty"`
	Conflicts []Conflict   `yaml:"conflicts,omitempty" json:"conflicts,omitempty"`
}

// FactSource is one of the documents a merged facts document was made
// of: its collector, when it collected, where it was read, and the fact
// paths it gave (it was the newest to report them).
type FactSource struct {
	Collector   string   `yaml:"collector" json:"collector"`
	Source      string   `yaml:"source,omitempty" json:"source,omitempty"`
	CollectedAt string   `yaml:"collected_at" json:"collected_at"`
	Document    string   `yaml:"document,omitempty" json:"document,omitempty"`
	Facts       []string `yaml:"facts,omitempty" json:"facts,omitempty"`
}

// Conflict is a fact on which the sources of a merged document disagree:
// the values each reported, newest first (Values[0] is the one kept).
type Conflict struct {
	Fact   string          `yaml:"fact" json:"fact"`
	Values []ConflictValue `yaml:"values" json:"values"`
}

// ConflictValue is one source's value of a conflicting fact.
type ConflictValue struct {
	Value       any    `yaml:"value" json:"value"`
	Collector   string `yaml:"collector" json:"collector"`
	CollectedAt string `yaml:"collected_at" json:"collected_at"`
}

// Policy is one check a service ran on a device and its result; Passed
// nil means the service has no result yet (unknown).
type Policy struct {
	Name   string `yaml:"name" json:"name"`
	ID     string `yaml:"id,omitempty" json:"id,omitempty"`
	Source string `yaml:"source,omitempty" json:"source,omitempty"`
	Passed *bool  `yaml:"passed,omitempty" json:"passed,omitempty"`
}

// Collector says which collector produced facts, and from what.
type Collector struct {
	Name    string `yaml:"name" json:"name"`
	Version string `yaml:"version,omitempty" json:"version,omitempty"`
	Source  string `yaml:"source,omitempty" json:"source,omitempty"`
}

// Identity identifies a device.
type Identity struct {
	Serial       string `yaml:"serial,omitempty" json:"serial,omitempty"`
	Hostname     string `yaml:"hostname,omitempty" json:"hostname,omitempty"`
	Model        string `yaml:"model,omitempty" json:"model,omitempty"`
	Manufacturer string `yaml:"manufacturer,omitempty" json:"manufacturer,omitempty"`
	UUID         string `yaml:"uuid,omitempty" json:"uuid,omitempty"`
}

// OSFacts describes the operating system.
type OSFacts struct {
	Family  string `yaml:"family,omitempty" json:"family,omitempty"`
	Name    string `yaml:"name,omitempty" json:"name,omitempty"`
	Version string `yaml:"version,omitempty" json:"version,omitempty"`
	Build   string `yaml:"build,omitempty" json:"build,omitempty"`
	Kernel  string `yaml:"kernel,omitempty" json:"kernel,omitempty"`
	Arch    string `yaml:"arch,omitempty" json:"arch,omitempty"`
}

// Security holds security posture facts; nil means unknown.
type Security struct {
	DiskEncryption    *bool `yaml:"disk_encryption,omitempty" json:"disk_encryption,omitempty"`
	Firewall          *bool `yaml:"firewall,omitempty" json:"firewall,omitempty"`
	ScreenLockSeconds *int  `yaml:"screen_lock_seconds,omitempty" json:"screen_lock_seconds,omitempty"`
	AutoUpdates       *bool `yaml:"auto_updates,omitempty" json:"auto_updates,omitempty"`
	SecureBoot        *bool `yaml:"secure_boot,omitempty" json:"secure_boot,omitempty"`
	// Gatekeeper and SIP are macOS's: Gatekeeper enforcing (any policy),
	// System Integrity Protection enabled.
	Gatekeeper *bool `yaml:"gatekeeper,omitempty" json:"gatekeeper,omitempty"`
	SIP        *bool `yaml:"sip,omitempty" json:"sip,omitempty"`
	// Compliant is an MDM's own compliance verdict on the device.
	Compliant *bool `yaml:"compliant,omitempty" json:"compliant,omitempty"`
}

// Package is one installed package.
type Package struct {
	Name    string `yaml:"name" json:"name"`
	Version string `yaml:"version,omitempty" json:"version,omitempty"`
	Source  string `yaml:"source,omitempty" json:"source,omitempty"`
}

// User is a local user account.
type User struct {
	Name     string `yaml:"name" json:"name"`
	UID      *int   `yaml:"uid,omitempty" json:"uid,omitempty"`
	LoggedIn bool   `yaml:"logged_in,omitempty" json:"logged_in,omitempty"`
}

// Network holds network interfaces.
type Network struct {
	Interfaces []Interface `yaml:"interfaces,omitempty" json:"interfaces,omitempty"`
}

// Interface is one network interface.
type Interface struct {
	Name      string   `yaml:"name" json:"name"`
	MAC       string   `yaml:"mac,omitempty" json:"mac,omitempty"`
	Addresses []string `yaml:"addresses,omitempty" json:"addresses,omitempty"`
}

// Device is one device's facts and where they came from: a path relative
// to the repository (facts/lt-00042.json) or a collector address
// (ssh://lt-00042:22, local). Findings about a device that matches no
// asset point at Source. It is the one device type of estate: collectors
// produce it, and the audit, the licence report and the change plan read it.
type Device struct {
	Source string
	Facts  *Facts
}

// Problem is problems/<id>.yaml: the cause behind incidents that repeat or
// spread, and what to do until it is removed.
type Problem struct {
	APIVersion string       `yaml:"apiVersion" json:"apiVersion"`
	Kind       string       `yaml:"kind" json:"kind"`
	ID         string       `yaml:"id" json:"id"`
	Title      string       `yaml:"title" json:"title"`
	Status     string       `yaml:"status" json:"status"` // open, known-error, resolved
	Match      ProblemMatch `yaml:"match" json:"match"`
	RootCause  string       `yaml:"root_cause,omitempty" json:"root_cause,omitempty"`
	Workaround string       `yaml:"workaround,omitempty" json:"workaround,omitempty"`
	// Changes are the change requests that fix it or work around it.
	Changes []string `yaml:"changes,omitempty" json:"changes,omitempty"`
	// Incidents are the numbers of the GitHub issues it explains.
	Incidents []int `yaml:"incidents,omitempty" json:"incidents,omitempty"`
}

// ProblemMatch says which failing controls a problem explains: every
// field given must hold.
type ProblemMatch struct {
	Control  string `yaml:"control" json:"control"`
	Model    string `yaml:"model,omitempty" json:"model,omitempty"`
	OS       string `yaml:"os,omitempty" json:"os,omitempty"` // an OS version, or its leading parts (14 is 14.x)
	Package  string `yaml:"package,omitempty" json:"package,omitempty"`
	Location string `yaml:"location,omitempty" json:"location,omitempty"`
}

// The statuses of a problem.
const (
	ProblemOpen       = "open"
	ProblemKnownError = "known-error"
	ProblemResolved   = "resolved"
)

// Matches reports whether a failure of control on a device of model, OS
// version osVersion, at location, with packages installed, is m's.
func (m ProblemMatch) Matches(control, model, osVersion, location string, packages []Package) bool {
	if m.Control != control || (m.Model != "" && !strings.EqualFold(m.Model, model)) ||
		(m.Location != "" && m.Location != location) {
		return false
	}
	if m.OS != "" && osVersion != m.OS && !strings.HasPrefix(osVersion, m.OS+".") {
		return false
	}
	if m.Package != "" {
		return slices.ContainsFunc(packages, func(p Package) bool { return strings.EqualFold(p.Name, m.Package) })
	}
	return true
}
