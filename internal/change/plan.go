package change

import (
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/estate-dev/estate/internal/record"
	"github.com/estate-dev/estate/internal/rules"
)

// The rules of the findings a plan raises.
const (
	RuleLifecycle = "change/lifecycle"
	RuleCR        = "change/request"
	RuleRisk      = "change/risk"
	RuleFreeze    = "change/freeze"
	RuleFile      = "change/file"
)

// Input is what a plan is made from.
type Input struct {
	// Base and Head are the estates of the two revisions. They must hold
	// every record of Files and every record that is not an asset; assets
	// beyond those are needed only for impact (see AllAssets).
	Base, Head *record.Estate
	// AllAssets says Base and Head hold every asset, so impact can name
	// the devices a baseline change reaches.
	AllAssets bool
	// Files are the files that differ, from the git tree diff.
	Files []File
	// HeadFindings are the validation findings of the head tree;
	// BaseFindings those of the base. Findings already in the base are
	// not the change's doing and are counted, not listed.
	HeadFindings, BaseFindings []record.Finding
	// Now is when the plan is made (freeze windows, review due dates).
	Now time.Time
	// Before and After, when set, are each asset's audit result from its
	// latest facts against the base and the head estate (internal/audit):
	// the impact then names the devices whose compliance changes. An
	// asset absent from a map has no facts.
	Before, After map[string]Compliance
	// Deadlines are, per asset of the head estate, when a control it
	// fails takes effect (From, for a failure that is upcoming) and when
	// its grace ends: such an asset becomes non-compliant from then.
	Deadlines map[string]Deadline
}

// Deadline is when a device's failure counts and its grace ends
// (YYYY-MM-DD; empty: now, or no grace).
type Deadline struct {
	From       string `json:"from,omitempty"`
	GraceUntil string `json:"grace_until,omitempty"`
}

// Compliance is one device's audit result.
type Compliance int

// The audit results.
const (
	Unknown   Compliance = iota // no facts
	Compliant                   // every control passes or is exempt
	Failing                     // a control fails
)

// Plan is the outcome: everything a reviewer needs to judge the change.
type Plan struct {
	Records []RecordChange `json:"records"`
	// OtherFiles are changed files that hold no record (schemas, docs).
	OtherFiles []string `json:"other_files,omitempty"`
	Impact     Impact   `json:"impact"`
	// Request is the change request the change adds or updates (nil: none).
	Request     *record.ChangeRequest `json:"request,omitempty"`
	RequestPath string                `json:"request_path,omitempty"`
	// Standard is the standard-change catalogue entry the change follows.
	Standard *record.StandardChange `json:"standard,omitempty"`
	// Type is the change's type: the request's, or standard when the
	// catalogue matches without one, else normal.
	Type         string   `json:"type"`
	ComputedRisk string   `json:"computed_risk"`
	DeclaredRisk string   `json:"declared_risk,omitempty"`
	RiskReasons  []string `json:"risk_reasons,omitempty"`
	// Approvals are the policy's approval rules that apply.
	Approvals []Requirement `json:"approvals"`
	// Freeze lists the freeze windows the change falls in.
	Freeze []FreezeHit `json:"freeze,omitempty"`
	// ReviewDue is when an emergency change's post-implementation review
	// is due (YYYY-MM-DD).
	ReviewDue string `json:"review_due,omitempty"`
	// Findings are the problems that stand against the change: the head
	// tree's validation findings that the base did not have, and the
	// plan's own (lifecycle, change request, risk, freeze).
	Findings []record.Finding `json:"findings"`
	// PreExisting counts head findings already present in the base.
	PreExisting int `json:"pre_existing_findings"`
	// PolicyFrom says which revision's change policy judged the change:
	// "base" (the policy in force), "head" when the base has none, or
	// "none".
	PolicyFrom string `json:"policy_from"`
}

// Requirement is one approval rule that applies to the change.
type Requirement struct {
	Rule  string   `json:"rule"`
	Count int      `json:"count"`
	Teams []string `json:"teams,omitempty"`
	Users []string `json:"users,omitempty"`
}

// FreezeHit is a freeze window the change falls in.
type FreezeHit struct {
	Name    string `json:"name"`
	Start   string `json:"start"`
	End     string `json:"end"`
	Allowed bool   `json:"allowed"` // the change's type may merge in it
	Why     string `json:"why"`
}

// Impact is what the change does to devices.
type Impact struct {
	// Baselines are the changed baselines and those that extend them.
	Baselines []BaselineImpact `json:"baselines,omitempty"`
	// Devices counts the deployed assets in scope of the change: the
	// changed assets and those whose baseline changed.
	Devices int `json:"devices"`
	// Known is false when not every asset was loaded, so Devices counts
	// only the changed assets.
	Known bool `json:"complete"`
	// ByLocation and ByClass count Devices.
	ByLocation map[string]int `json:"by_location,omitempty"`
	ByClass    map[string]int `json:"by_class,omitempty"`
	// Audited: with facts, devices that passed before and fail after
	// (NewlyFailing) and the reverse (NewlyPassing); NoFacts counts
	// devices in scope without facts.
	Audited      bool     `json:"audited"`
	NewlyFailing []string `json:"newly_failing,omitempty"`
	NewlyPassing []string `json:"newly_passing,omitempty"`
	NoFacts      int      `json:"no_facts,omitempty"`
}

// BaselineImpact is one baseline whose effective controls changed.
type BaselineImpact struct {
	Name     string   `json:"name"`
	Added    []string `json:"added,omitempty"`
	Removed  []string `json:"removed,omitempty"`
	Changed  []string `json:"changed,omitempty"`
	Devices  int      `json:"devices"`
	Indirect bool     `json:"indirect,omitempty"` // changed through extends
	// With facts: how many of Devices become non-compliant, in how many
	// locations.
	NewlyFailing          int `json:"newly_failing,omitempty"`
	NewlyFailingLocations int `json:"newly_failing_locations,omitempty"`
	// FailingFrom and GraceUntil: the earliest day those devices count as
	// failing (a control's effective date) and the earliest grace end.
	FailingFrom string `json:"failing_from,omitempty"`
	GraceUntil  string `json:"grace_until,omitempty"`
}

// Build makes the plan of a change.
func Build(in Input) *Plan {
	if in.Base == nil {
		in.Base = record.NewEstate(nil)
	}
	if in.Head == nil {
		in.Head = record.NewEstate(nil)
	}
	p := &Plan{Records: DiffRecords(in.Base, in.Head, in.Files)}
	fileFindings(p, in.Files)
	for _, f := range in.Files {
		if !isRecordPath(f.Path()) {
			p.OtherFiles = append(p.OtherFiles, f.Path())
		}
	}
	findRequest(p, in)
	p.Impact = impact(in, p.Records)
	// The change is judged by the policy in force: the base's. A pull
	// request that edits the policy cannot lower its own bar; the new
	// policy applies from the next change. (With no policy in the base,
	// the head's applies: the change that introduces it.)
	pol := in.Base.Policy
	if pol == nil {
		pol = in.Head.Policy
	}
	switch {
	case in.Base.Policy != nil:
		p.PolicyFrom = "base"
	case in.Head.Policy != nil:
		p.PolicyFrom = "head"
	default:
		p.PolicyFrom = "none"
	}
	matchStandard(p, pol)
	switch {
	case p.Request != nil && p.Request.Type != "":
		p.Type = p.Request.Type
	case p.Standard != nil:
		p.Type = "standard"
	default:
		p.Type = "normal"
	}
	requireRequest(p)
	lifecycle(p)
	computeRisk(p, pol)
	p.Approvals = approvals(p, pol)
	freeze(p, pol, in.Now)
	// Every finding in a file the change touches is the change's to fix:
	// only findings elsewhere can be pre-existing.
	touchedFiles := map[string]bool{}
	for _, f := range in.Files {
		touchedFiles[f.From], touchedFiles[f.To] = true, true
	}
	var baseFindings []record.Finding
	for _, f := range in.BaseFindings {
		if !touchedFiles[f.Pos.File] {
			baseFindings = append(baseFindings, f)
		}
	}
	p.Findings = append(p.Findings, newFindings(p, in.HeadFindings, baseFindings)...)
	record.SortFindings(p.Findings)
	return p
}

// fileFindings refuses what a change may not bring into the repository.
func fileFindings(p *Plan, files []File) {
	for _, f := range files {
		switch {
		case f.Link:
			p.Findings = append(p.Findings, record.Finding{Pos: record.Pos{File: f.To}, Rule: RuleFile, Severity: record.SeverityError,
				Message: "the change adds a symbolic link; estate reads records only from regular files",
				Hint:    "commit the file itself, not a link to it"})
		case f.Other:
			p.Findings = append(p.Findings, record.Finding{Pos: record.Pos{File: f.To}, Rule: RuleFile, Severity: record.SeverityError,
				Message: "the change adds something that is not a file (a submodule?)",
				Hint:    "records are plain YAML files"})
		}
	}
}

// findRequest picks the change request the change adds or updates.
func findRequest(p *Plan, in Input) {
	var found []RecordChange
	for _, rc := range p.Records {
		if rc.Kind == record.KindChangeRequest && rc.new != nil && rc.Action != ActionRemoved {
			found = append(found, rc)
		}
	}
	if len(found) == 0 {
		return
	}
	p.Request, p.RequestPath = found[0].new.ChangeRequest, found[0].Path
	p.DeclaredRisk = p.Request.Risk
	for _, rc := range found[1:] {
		p.Findings = append(p.Findings, record.Finding{Pos: record.Pos{File: rc.Path}, Rule: RuleCR, Severity: record.SevMedium,
			Record: rc.ID, Message: fmt.Sprintf("the change touches more than one change request; %s is the one judged", p.Request.ID),
			Hint: "raise one change request per pull request"})
	}
}

// subject returns the record changes other than change requests: what the
// change request is about.
func subject(p *Plan) []RecordChange {
	var out []RecordChange
	for _, rc := range p.Records {
		if rc.Kind != record.KindChangeRequest {
			out = append(out, rc)
		}
	}
	return out
}

// matchStandard finds the catalogue entry the change follows: the one its
// request names, or else the first that covers every record change.
func matchStandard(p *Plan, pol *record.ChangePolicy) {
	if pol == nil {
		return
	}
	subj := subject(p)
	if p.Request != nil && p.Request.Template != "" {
		for i := range pol.StandardChanges {
			sc := &pol.StandardChanges[i]
			if sc.ID != p.Request.Template {
				continue
			}
			if why := covers(sc, subj); why != "" {
				p.Findings = append(p.Findings, record.Finding{Pos: record.Pos{File: p.RequestPath}, Rule: RuleCR, Severity: record.SevHigh,
					Field: "template", Record: p.Request.ID,
					Message: fmt.Sprintf("the change does not follow standard change %s: %s", sc.ID, why),
					Hint:    "make it a normal change (type: normal, no template) or keep to the template's fields"})
				return
			}
			p.Standard = sc
			return
		}
		p.Findings = append(p.Findings, record.Finding{Pos: record.Pos{File: p.RequestPath}, Rule: RuleCR, Severity: record.SevHigh,
			Field: "template", Record: p.Request.ID,
			Message: fmt.Sprintf("template %q is not in the standard-change catalogue of policies/change-control.yaml", p.Request.Template)})
		return
	}
	if len(subj) == 0 {
		return
	}
	for i := range pol.StandardChanges {
		if covers(&pol.StandardChanges[i], subj) == "" {
			p.Standard = &pol.StandardChanges[i]
			return
		}
	}
}

// covers says why sc does not cover the record changes ("" when it does).
func covers(sc *record.StandardChange, cs []RecordChange) string {
	if sc.MaxRecords > 0 && len(cs) > sc.MaxRecords {
		return fmt.Sprintf("it touches %d records, the template allows %d", len(cs), sc.MaxRecords)
	}
	for _, rc := range cs {
		if rc.Action != ActionChanged {
			return fmt.Sprintf("%s is %s, the template only allows changing fields", rc.ID, rc.Action)
		}
		if len(sc.Kinds) > 0 && !contains(sc.Kinds, string(rc.Kind)) {
			return fmt.Sprintf("%s is a %s", rc.ID, rc.Kind)
		}
		if len(sc.Classes) > 0 && !contains(sc.Classes, rc.Class) {
			return fmt.Sprintf("%s is a %s", rc.ID, rc.Class)
		}
		for _, f := range rc.Fields {
			if !fieldIn(f.Field, sc.Fields) {
				return fmt.Sprintf("it changes %s of %s", f.Field, rc.ID)
			}
		}
	}
	return ""
}

// fieldIn reports whether field matches one of patterns: the same path, a
// parent of it (purchase covers purchase.cost and controls covers
// controls[X].title), or a path.Match glob.
func fieldIn(field string, patterns []string) bool {
	for _, p := range patterns {
		if p == field || strings.HasPrefix(field, p+".") || strings.HasPrefix(field, p+"[") {
			return true
		}
		if ok, _ := path.Match(p, field); ok {
			return true
		}
	}
	return false
}

// requireRequest: a change that is not a standard change needs a change
// request in the same pull request.
func requireRequest(p *Plan) {
	if p.Request != nil || p.Standard != nil || len(subject(p)) == 0 {
		return
	}
	msg := "this change needs a change request: it matches no entry of the standard-change catalogue"
	if p.PolicyFrom == "none" {
		msg = "this change needs a change request: there is no change policy (policies/change-control.yaml), so no standard-change catalogue"
	}
	f := record.Finding{Rule: RuleCR, Severity: record.SevHigh,
		Message: msg,
		Hint:    "run 'estate change new' to add changes/CR-YYYY-NNNN.yaml to this branch"}
	if rs := subject(p); len(rs) > 0 {
		f.Pos.File, f.Record = rs[0].Path, rs[0].ID
	}
	p.Findings = append(p.Findings, f)
}

// lifecycle checks assets' status transitions.
func lifecycle(p *Plan) {
	for _, rc := range p.Records {
		if rc.Kind != record.KindAsset {
			continue
		}
		var from, to string
		if rc.old != nil && rc.old.Asset != nil {
			from = rc.old.Asset.Status
		}
		if rc.new != nil && rc.new.Asset != nil {
			to = rc.new.Asset.Status
		}
		at := func(sev record.Severity, msg, hint string) {
			file := rc.Path
			field := "status"
			if rc.Action == ActionRemoved {
				field = ""
			}
			p.Findings = append(p.Findings, record.Finding{Pos: record.Pos{File: file}, Rule: RuleLifecycle, Severity: sev,
				Record: rc.ID, Field: field, Expected: "", Observed: from + " → " + to, Message: msg, Hint: hint})
		}
		switch {
		case rc.Action == ActionRemoved && !rc.Unreadable:
			at(record.SevMedium, fmt.Sprintf("asset %s is deleted; an asset leaves the estate as disposed (with its disposal record), so its history stays", rc.ID),
				"set status: disposed and a disposal block instead of deleting the file")
		case from == "disposed" && to != "disposed" && to != "":
			at(record.SevHigh, fmt.Sprintf("asset %s was disposed; disposed is final, it cannot become %s", rc.ID, to),
				"a device that comes back is a new asset with a new id")
		case (to == "lost" || to == "stolen") && from != to && p.Request == nil:
			at(record.SevHigh, fmt.Sprintf("asset %s is marked %s; a lost or stolen device needs a change request", rc.ID, to),
				"add changes/CR-YYYY-NNNN.yaml with the incident reference in links (estate change new)")
		}
	}
}

// riskOrder ranks risks.
var riskOrder = map[string]int{"low": 1, "medium": 2, "high": 3, "critical": 4}

// computeRisk applies the policy's risk rules; the highest match wins.
func computeRisk(p *Plan, pol *record.ChangePolicy) {
	p.ComputedRisk = "low"
	if p.Type == "emergency" {
		p.ComputedRisk = "high"
		p.RiskReasons = append(p.RiskReasons, "emergency changes are high risk")
	}
	if pol != nil && pol.Risk != nil {
		kinds, classes, fields := touched(p)
		for _, r := range pol.Risk.Rules {
			w := r.When
			var why []string
			ok := true
			if len(w.Classes) > 0 {
				hit := intersect(w.Classes, classes)
				ok = ok && len(hit) > 0
				why = append(why, "classes "+strings.Join(hit, ", "))
			}
			if len(w.Kinds) > 0 {
				hit := intersect(w.Kinds, kinds)
				ok = ok && len(hit) > 0
				why = append(why, "kinds "+strings.Join(hit, ", "))
			}
			if w.DevicesOver != nil {
				ok = ok && p.Impact.Devices > *w.DevicesOver
				why = append(why, fmt.Sprintf("%d devices > %d", p.Impact.Devices, *w.DevicesOver))
			}
			if len(w.Type) > 0 {
				ok = ok && contains(w.Type, p.Type)
				why = append(why, "type "+p.Type)
			}
			if len(w.Fields) > 0 {
				var hit []string
				for _, f := range fields {
					if fieldIn(f, w.Fields) {
						hit = append(hit, f)
					}
				}
				ok = ok && len(hit) > 0
				why = append(why, "fields "+strings.Join(hit, ", "))
			}
			if !ok {
				continue
			}
			p.RiskReasons = append(p.RiskReasons, fmt.Sprintf("%s: %s (%s)", r.Risk, r.Name, strings.Join(why, "; ")))
			if riskOrder[r.Risk] > riskOrder[p.ComputedRisk] {
				p.ComputedRisk = r.Risk
			}
		}
	}
	if p.Request != nil && riskOrder[p.DeclaredRisk] < riskOrder[p.ComputedRisk] {
		p.Findings = append(p.Findings, record.Finding{Pos: record.Pos{File: p.RequestPath}, Rule: RuleRisk, Severity: record.SevHigh,
			Record: p.Request.ID, Field: "risk", Expected: p.ComputedRisk, Observed: p.DeclaredRisk,
			Message: fmt.Sprintf("declared risk %s is lower than the computed risk %s", p.DeclaredRisk, p.ComputedRisk),
			Hint:    "raise risk: to " + p.ComputedRisk + " (the reasons are in the plan) so the right approvers see it"})
	}
}

// effectiveRisk is the higher of the computed and the declared risk.
func (p *Plan) EffectiveRisk() string {
	if riskOrder[p.DeclaredRisk] > riskOrder[p.ComputedRisk] {
		return p.DeclaredRisk
	}
	return p.ComputedRisk
}

// touched lists the kinds, asset classes and field paths the change touches.
func touched(p *Plan) (kinds, classes, fields []string) {
	ks, cs, fs := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, rc := range subject(p) {
		ks[string(rc.Kind)] = true
		if rc.Class != "" {
			cs[rc.Class] = true
		}
		if rc.old != nil && rc.old.Asset != nil && rc.old.Asset.Class != "" {
			cs[rc.old.Asset.Class] = true
		}
		for _, f := range rc.Fields {
			fs[f.Field] = true
		}
		if rc.Action == ActionAdded || rc.Action == ActionRemoved {
			fs["*"] = true
		}
	}
	return keys(ks), keys(cs), keys(fs)
}

// approvals lists the approval rules that apply to the change.
func approvals(p *Plan, pol *record.ChangePolicy) []Requirement {
	if pol == nil {
		return nil
	}
	kinds, classes, _ := touched(p)
	var paths []string
	for _, rc := range p.Records {
		paths = append(paths, rc.Path)
		if rc.OldPath != "" {
			paths = append(paths, rc.OldPath)
		}
	}
	paths = append(paths, p.OtherFiles...)
	risk := p.EffectiveRisk()
	var out []Requirement
	for _, r := range pol.Approvals {
		if w := r.When; w != nil {
			if len(w.Risk) > 0 && !contains(w.Risk, risk) {
				continue
			}
			if len(w.Type) > 0 && !contains(w.Type, p.Type) {
				continue
			}
			if len(w.Classes) > 0 && len(intersect(w.Classes, classes)) == 0 {
				continue
			}
			if len(w.Kinds) > 0 && len(intersect(w.Kinds, kinds)) == 0 {
				continue
			}
			if len(w.Paths) > 0 && !anyPath(w.Paths, paths) {
				continue
			}
		}
		out = append(out, Requirement{Rule: r.Name, Count: r.Count, Teams: r.Teams, Users: r.Users})
	}
	return out
}

// anyPath reports whether a path matches a pattern: a glob (path.Match),
// or a folder prefix written as dir/ or dir/**.
func anyPath(patterns, paths []string) bool {
	for _, pat := range patterns {
		prefix := strings.TrimSuffix(strings.TrimSuffix(pat, "**"), "/")
		for _, p := range paths {
			if ok, _ := path.Match(pat, p); ok {
				return true
			}
			if (strings.HasSuffix(pat, "/") || strings.HasSuffix(pat, "/**")) && strings.HasPrefix(p, prefix+"/") {
				return true
			}
		}
	}
	return false
}

// freeze finds the freeze windows the change's window, or now, falls in.
func freeze(p *Plan, pol *record.ChangePolicy, now time.Time) {
	if pol == nil {
		return
	}
	var ws, we time.Time
	if p.Request != nil && p.Request.Window != nil {
		ws, _ = time.Parse(time.RFC3339, p.Request.Window.Start)
		we, _ = time.Parse(time.RFC3339, p.Request.Window.End)
	}
	for _, fw := range pol.FreezeWindows {
		fs, err1 := time.Parse(time.RFC3339, fw.Start)
		fe, err2 := time.Parse(time.RFC3339, fw.End)
		if err1 != nil || err2 != nil {
			continue // the schema reports a malformed time
		}
		var why []string
		if !now.Before(fs) && now.Before(fe) {
			why = append(why, "it is "+now.UTC().Format("2006-01-02 15:04 MST")+" now")
		}
		if !ws.IsZero() && !we.IsZero() && ws.Before(fe) && fs.Before(we) {
			why = append(why, "the change window "+p.Request.Window.Start+" – "+p.Request.Window.End+" overlaps it")
		}
		if len(why) == 0 {
			continue
		}
		hit := FreezeHit{Name: fw.Name, Start: fw.Start, End: fw.End, Why: strings.Join(why, "; ")}
		hit.Allowed = contains(fw.Allow, p.Type) || p.Type == "emergency"
		p.Freeze = append(p.Freeze, hit)
		if hit.Allowed {
			continue
		}
		f := record.Finding{Pos: record.Pos{File: "policies/change-control.yaml"}, Rule: RuleFreeze, Severity: record.SevHigh,
			Message: fmt.Sprintf("the change falls in freeze window %q (%s – %s): %s", fw.Name, fw.Start, fw.End, hit.Why),
			Hint:    "move the change window after the freeze, or, if it cannot wait, raise it as an emergency change"}
		if p.Request != nil {
			f.Pos.File, f.Field, f.Record = p.RequestPath, "window", p.Request.ID
			if p.Request.Window == nil {
				f.Field = "id"
			}
		}
		p.Findings = append(p.Findings, f)
	}
	if p.Type != "emergency" {
		return
	}
	days := 5
	if pol.Emergency != nil && pol.Emergency.ReviewWithinDays > 0 {
		days = pol.Emergency.ReviewWithinDays
	}
	due := now.UTC().AddDate(0, 0, days).Format(time.DateOnly)
	p.ReviewDue = due
	if p.Request != nil && p.Request.ReviewDue != "" {
		if p.Request.ReviewDue > due {
			p.Findings = append(p.Findings, record.Finding{Pos: record.Pos{File: p.RequestPath}, Rule: RuleFreeze, Severity: record.SevHigh,
				Record: p.Request.ID, Field: "review_due", Expected: "<= " + due, Observed: p.Request.ReviewDue,
				Message: fmt.Sprintf("the post-implementation review of an emergency change is due within %d days (by %s), not %s", days, due, p.Request.ReviewDue)})
		} else {
			p.ReviewDue = p.Request.ReviewDue
		}
	}
}

// impact computes the devices the change reaches.
func impact(in Input, cs []RecordChange) Impact {
	im := Impact{Known: in.AllAssets, ByLocation: map[string]int{}, ByClass: map[string]int{}}
	inScope := map[string]*record.Asset{}
	// Changed assets.
	for _, rc := range cs {
		if rc.Kind == record.KindAsset && rc.new != nil && rc.new.Asset != nil && active(rc.new.Asset.Status) {
			inScope[rc.ID] = rc.new.Asset
		}
	}
	// Changed baselines, and those that extend them.
	changed := map[string]bool{}
	for _, rc := range cs {
		if rc.Kind == record.KindBaseline {
			changed[rc.ID] = true
			if rc.OldID != "" {
				changed[rc.OldID] = true
			}
		}
	}
	if len(changed) > 0 {
		names := map[string]bool{}
		for n := range in.Head.Baselines {
			names[n] = true
		}
		for n := range in.Base.Baselines {
			names[n] = true
		}
		for _, n := range keys(names) {
			direct := changed[n]
			if !direct && !extendsAny(in.Head, n, changed) && !extendsAny(in.Base, n, changed) {
				continue
			}
			bi := controlDiff(rules.EffectiveControls(in.Base, n), rules.EffectiveControls(in.Head, n))
			if len(bi.Added)+len(bi.Removed)+len(bi.Changed) == 0 && !direct {
				continue
			}
			bi.Name, bi.Indirect = n, !direct
			if in.AllAssets {
				for id, a := range in.Head.Assets {
					if a.Baseline == n && active(a.Status) {
						inScope[id] = a
						bi.Devices++
					}
				}
			}
			im.Baselines = append(im.Baselines, bi)
		}
	}
	im.Devices = len(inScope)
	for id, a := range inScope {
		loc := a.Location
		if loc == "" {
			loc = "(none)"
		}
		im.ByLocation[loc]++
		im.ByClass[a.Class]++
		if in.After == nil {
			continue
		}
		im.Audited = true
		before, after := in.Before[id], in.After[id]
		switch {
		case after == Unknown:
			im.NoFacts++
		case before != Failing && (after == Failing || in.Deadlines[id].From != ""):
			im.NewlyFailing = append(im.NewlyFailing, id)
		case before == Failing && after == Compliant:
			im.NewlyPassing = append(im.NewlyPassing, id)
		}
	}
	sort.Strings(im.NewlyFailing)
	sort.Strings(im.NewlyPassing)
	for i := range im.Baselines {
		b := &im.Baselines[i]
		locs := map[string]bool{}
		for _, id := range im.NewlyFailing {
			if a := inScope[id]; a != nil && a.Baseline == b.Name {
				b.NewlyFailing++
				locs[a.Location] = true
				d := in.Deadlines[id]
				b.FailingFrom = earliest(b.FailingFrom, d.From)
				b.GraceUntil = earliest(b.GraceUntil, d.GraceUntil)
			}
		}
		b.NewlyFailingLocations = len(locs)
	}
	return im
}

// earliest of two YYYY-MM-DD days, the empty one aside.
func earliest(a, b string) string {
	if a == "" || (b != "" && b < a) {
		return b
	}
	return a
}

// active reports whether an asset in this status is in use and so reached
// by a baseline.
func active(status string) bool { return status == "deployed" || status == "loaned" }

// ReachedBaselines returns the names of the baselines a change to the
// named baselines reaches: those, and every baseline that extends one of
// them (directly or not) in either estate, sorted.
func ReachedBaselines(base, head *record.Estate, changed []string) []string {
	set := map[string]bool{}
	for _, n := range changed {
		set[n] = true
	}
	out := map[string]bool{}
	for n := range set {
		out[n] = true
	}
	for _, e := range []*record.Estate{base, head} {
		if e == nil {
			continue
		}
		for n := range e.Baselines {
			if extendsAny(e, n, set) {
				out[n] = true
			}
		}
	}
	return keys(out)
}

// extendsAny reports whether baseline n extends (transitively) one of set.
func extendsAny(e *record.Estate, n string, set map[string]bool) bool {
	seen := map[string]bool{}
	for b := e.Baselines[n]; b != nil && b.Extends != "" && !seen[b.Name]; b = e.Baselines[b.Extends] {
		seen[b.Name] = true
		if set[b.Extends] {
			return true
		}
	}
	return false
}

func controlDiff(old, new []record.Control) BaselineImpact {
	om := map[string]record.Control{}
	for _, c := range old {
		om[c.ID] = c
	}
	var bi BaselineImpact
	nm := map[string]bool{}
	for _, c := range new {
		nm[c.ID] = true
		o, ok := om[c.ID]
		switch {
		case !ok:
			bi.Added = append(bi.Added, c.ID)
		case len(DiffFields(&o, &c)) > 0:
			bi.Changed = append(bi.Changed, c.ID)
		}
	}
	for _, c := range old {
		if !nm[c.ID] {
			bi.Removed = append(bi.Removed, c.ID)
		}
	}
	return bi
}

// newFindings keeps the head findings the base did not have; the rest are
// counted in p.PreExisting.
func newFindings(p *Plan, head, base []record.Finding) []record.Finding {
	key := func(f record.Finding) string {
		return f.Pos.File + "\x00" + f.Rule + "\x00" + f.Field + "\x00" + f.Message
	}
	old := map[string]int{}
	for _, f := range base {
		old[key(f)]++
	}
	var out []record.Finding
	for _, f := range head {
		if k := key(f); old[k] > 0 {
			old[k]--
			p.PreExisting++
			continue
		}
		out = append(out, f)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func intersect(a, b []string) []string {
	var out []string
	for _, x := range a {
		if contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
