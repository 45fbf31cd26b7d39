package output

import "strings"

// The descriptions SARIF gives each rule (reportingDescriptor), which
// GitHub code scanning shows beside every alert. A rule not listed here
// gets a description from its id and family.

type ruleText struct{ short, full, uri string }

const (
	docRecords = "https://github.com/estate-dev/estate/blob/main/docs/records.md#what-validate-reports"
	docAudit   = "https://github.com/estate-dev/estate/blob/main/README.md#verification-and-audit"
	docFacts   = "https://github.com/estate-dev/estate/blob/main/README.md#collecting-facts"
	docReadme  = "https://github.com/estate-dev/estate/blob/main/README.md"
)

var ruleTexts = map[string]ruleText{
	"yaml":              {"YAML is well formed", "The file is one YAML document with no syntax error, duplicate key, oversized alias expansion or tab indentation.", docRecords},
	"file":              {"The file can be read as a record", "The file is within the size limit, is UTF-8, and is no symbolic link leaving the repository.", docRecords},
	"secret":            {"No secret in a record", "A record holds no password, private key or token pasted into it: records are readable by everyone with the repository.", docRecords},
	"kind":              {"The record's kind is known", "Every record starts with apiVersion estate/v1 and a known kind (Asset, Licence, Location, Person, Baseline, ChangePolicy, ChangeRequest, ...).", docRecords},
	"schema":            {"The record fits its schema", "The record is valid against its kind's CUE schema (schema/*.cue, with the repository's own schema files unified in); unknown fields are errors.", docRecords},
	"schema/compile":    {"The repository's schema compiles", "The CUE files under schema/ compile and unify with the built-in schema.", docRecords},
	"layout":            {"The record is in the right folder", "The folder fits the record's kind and, for assets, its class.", docRecords},
	"file-name":         {"The file name is the id", "A record's file name (without .yaml) is its id.", docRecords},
	"unique-id":         {"Ids are unique", "No two records of a kind share an id.", docRecords},
	"unique-serial":     {"Serials are unique", "No two assets that are not disposed share a serial number.", docRecords},
	"unique-hostname":   {"Hostnames are unique", "No two assets that are not disposed share a hostname.", docRecords},
	"reference":         {"References exist", "Locations, baselines, licences, parents, exemptions' controls and change requests, and standard-change templates named by a record all exist.", docRecords},
	"baseline-extends":  {"Baselines extend no cycle", "A baseline's extends chain never loops back on itself.", docRecords},
	"control":           {"Controls can be evaluated", "Each control's check reads one fact or package with operators that parse.", docRecords},
	"lifecycle":         {"Lifecycle rules hold", "Status changes follow the asset lifecycle: disposed is final and needs a disposal record, a holder for deployed assets, change requests for lost and stolen.", docRecords},
	"holder":            {"An asset has one holder", "A deployed or loaned asset is held by one person (owner), its location (held_by: location) or another asset (attached_to), and attachments end without a cycle.", docRecords},
	"person":            {"People are known", "When the estate has people records, an asset's owner and a person's manager are people of the estate.", docRecords},
	"expired-exemption": {"Exemptions are in date", "An exemption from a control has not passed its expiry date.", docRecords},
	"id-pattern":        {"Ids follow the estate's pattern", "Ids match the patterns under ids: in estate.yaml.", docRecords},

	"audit/control":      {"A baseline control fails", "A control of the device's baseline (or a baseline it extends) fails on the device's facts, and no exemption in date waives it.", docAudit},
	"audit/unverified":   {"A control could not be verified", "The fact a control reads was not collected from the device: the control is unknown, never passed.", docAudit},
	"audit/bad-fact":     {"A fact cannot be judged", "A fact was collected but cannot be judged by its control (for example a version with no number).", docAudit},
	"audit/baseline":     {"A baseline cannot be evaluated", "A control or baseline cannot be evaluated at all (an operator that does not parse, a missing baseline).", docAudit},
	"audit/unregistered": {"A device is not in the inventory", "A device reported facts but matches no asset by serial or hostname: register it, or find out whose it is.", docAudit},
	"audit/missing":      {"A deployed asset was not seen", "A deployed or loaned asset of a managed class has no facts newer than the missing-after period.", docAudit},
	"audit/serial":       {"The serial differs from the inventory", "The device's serial number differs from its asset record's.", docAudit},
	"audit/hostname":     {"The hostname differs from the inventory", "The device's hostname differs from its asset record's.", docAudit},
	"audit/leaver":       {"An asset is still with a leaver", "A deployed or loaned asset is held by a person whose record says they left: the leaver's manager recovers or reassigns it.", docAudit},
	"audit/leaver-user":  {"A leaver used a device", "A person whose record says they left is logged in on a device (facts users).", docAudit},
	"audit/model":        {"The model differs from the inventory", "The device's model or manufacturer differs from its asset record's.", docAudit},
	"audit/owner":        {"The owner is not the one using it", "The people logged in on the device do not include the asset's owner.", docAudit},
	"audit/status":       {"An asset that should be gone was seen", "An asset whose status is retired, disposed, lost or stolen reported facts.", docAudit},
	"audit/duplicate":    {"Two facts documents for one asset", "Two facts documents match one asset; the newer is audited.", docAudit},
	"audit/conflict":     {"Sources disagree on a control", "A device's sources disagree on a fact a control reads, and an older source still within the missing-after period gives the other verdict.", docAudit},
	"audit/os":           {"The OS is not the baseline's", "The device's operating system is not the one its baseline applies to.", docAudit},
	"audit/after-as-of":  {"Facts collected after the audit's as-of moment", "A facts document was collected after the --as-of moment the audit judges: it is no evidence of the state then and is left out.", docAudit},

	"facts/file":   {"A facts file cannot be read", "A facts file is unreadable, too large, or not JSON or YAML.", docFacts},
	"facts/schema": {"A facts document is not valid", "A facts document is not valid against #Facts (schema/facts.cue).", docFacts},
	"facts/device": {"A device could not be collected", "A device could not be collected (refused, timed out, authentication, host key, bad output); the others were.", docFacts},
}

// ruleDoc describes a rule id for SARIF.
func ruleDoc(id string) ruleText {
	if t, ok := ruleTexts[id]; ok {
		return t
	}
	family, _, _ := strings.Cut(id, "/")
	uri := docReadme
	switch family {
	case "audit":
		uri = docAudit
	case "facts":
		uri = docFacts
	}
	return ruleText{short: "estate rule " + id, full: "Findings of estate's " + family + " checks, rule " + id + ".", uri: uri}
}
