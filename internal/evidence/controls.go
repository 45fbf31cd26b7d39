package evidence

import "fmt"

// judge sets the pack's gaps, the controls' mapping and Evidenced.
// A gap is a part an auditor needs that the pack cannot show: it is
// never presented as evidence.
func judge(p *Pack) {
	var gaps []string
	add := func(format string, args ...any) string {
		g := fmt.Sprintf(format, args...)
		gaps = append(gaps, g)
		return g
	}
	var reqGaps, planGaps, verGaps, chainGaps, sigGaps, invGaps, baseGaps []string
	if p.Request == nil {
		reqGaps = append(reqGaps, add("no change request: the merge added or changed no changes/*.yaml record"))
	}
	if p.Plan == nil || p.Plan.Plan == nil {
		why := "it was not made"
		if p.Plan != nil && p.Plan.Error != "" {
			why = p.Plan.Error
		}
		planGaps = append(planGaps, add("the plan as approved could not be rebuilt: %s", why))
	}
	if len(p.Approvals.Required) == 0 && p.Approvals.PolicyFrom == "" {
		reqGaps = append(reqGaps, add("no change-control policy was in force (policies/change-control.yaml at the base): no approval was required"))
	}
	for _, r := range p.Approvals.Required {
		if !r.Met {
			reqGaps = append(reqGaps, add("short of approvals: rule %q required %d, %d counted (by %s)", r.Rule, r.Count, r.Counted, r.Deadline))
		}
	}
	if p.Implementation.Signature.Status == "bad" {
		sigGaps = append(sigGaps, add("the merge commit's signature is bad: the commit was altered after it was signed"))
	}
	if !p.Verification.Verified {
		verGaps = append(verGaps, add("not verified: no audit recorded in the ledger has found the change's records compliant since it merged"))
	}
	if !p.Chain.Intact {
		chainGaps = append(chainGaps, add("the hash chain from entry %d to the ledger's tip does not verify", p.Chain.From))
	}
	if p.Inventory == nil || !p.Inventory.Known {
		period := ""
		if p.Inventory != nil {
			period = " " + p.Inventory.Period
		}
		invGaps = append(invGaps, add("no audit is recorded in the ledger for the period%s: inventory accuracy is unknown", period))
	}
	if len(p.Baselines) == 0 {
		baseGaps = append(baseGaps, "no baseline in the estate at the merge")
	}
	for _, b := range p.Baselines {
		if b.Error != "" {
			baseGaps = append(baseGaps, add("the history of baseline %s could not be read: %s", b.Name, b.Error))
		}
	}
	cat := func(gs ...[]string) []string {
		var out []string
		for _, g := range gs {
			out = append(out, g...)
		}
		return out
	}
	p.Controls = []ControlMap{
		{ID: "CM-2", Name: "Baseline configuration", Parts: []string{"baselines", "plan"}, Gaps: cat(baseGaps, planGaps),
			How: "Each baseline is a versioned YAML record in git, validated against estate's CUE schema; the version in force at the merge is the newest listed under Baselines."},
		{ID: "CM-2(3)", Name: "Retention of previous configurations", Parts: []string{"baselines"}, Gaps: baseGaps,
			How: "git keeps every earlier version of each baseline; the list gives each version's commit, date, change request and approvers."},
		{ID: "CM-3", Name: "Configuration change control", Parts: []string{"request", "plan", "approvals", "implementation", "verification", "chain"},
			Gaps: cat(reqGaps, planGaps, verGaps, chainGaps),
			How:  "The change was requested as a change request in a pull request, planned by estate change plan, approved as the change-control policy required, recorded in the hash-chained ledger on merge and verified by a later audit."},
		{ID: "CM-5", Name: "Access restrictions for change", Parts: []string{"approvals", "implementation", "chain"}, Gaps: cat(reqGaps, chainGaps, sigGaps),
			How: "The default branch changes only through approved pull requests: estate ledger verify flags any first-parent commit without a ledger entry and its approvals, and git checks the merge commit's signature (" + p.Implementation.Signature.Status + ")."},
		{ID: "CM-6", Name: "Configuration settings", Parts: []string{"plan", "verification"}, Gaps: cat(planGaps, verGaps),
			How: "The settings required of each device are its baseline's controls; the plan names the devices whose compliance the change turns, and the verifying audit compared collected device facts with the controls."},
		{ID: "CM-8", Name: "System component inventory", Parts: []string{"inventory", "implementation"}, Gaps: invGaps,
			How: "Every component is one inventory record; the period's audits matched the devices seen against it and counted unregistered devices, missing assets and duplicates."},
	}
	for i := range p.Controls {
		p.Controls[i].Evidenced = len(p.Controls[i].Gaps) == 0
	}
	p.Gaps = gaps
	if p.Gaps == nil {
		p.Gaps = []string{}
	}
	p.Evidenced = len(gaps) == 0
}
