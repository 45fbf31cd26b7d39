package evidence

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"
)

// MaxLinks bounds the chain links a page lists (the first and the last
// half each); the JSON holds them all.
const MaxLinks = 40

// pageHTML is one change's evidence page. No script, nothing fetched:
// the Content-Security-Policy forbids both; styles are inline. Every
// value is escaped by html/template.
const pageHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="estate">
<title>Evidence: {{.P.Name}}</title>
<style>
:root{--ink:#1f2933;--muted:#616e7c;--line:#d9e2ec;--bg:#f5f7fa;--good:#2e7d4f;--bad:#c53030}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 -apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:var(--bg)}
header{background:#102a43;color:#fff;padding:20px 32px}
header h1{margin:0 0 4px;font-size:22px}
header p{margin:0;color:#bcccdc}
main{max-width:1100px;margin:0 auto;padding:8px 24px 40px}
section{background:#fff;border:1px solid var(--line);border-radius:6px;padding:14px 20px;margin:14px 0;overflow-x:auto}
h2{font-size:17px;margin:0 0 10px}
table{border-collapse:collapse;width:100%;margin:6px 0}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:var(--bg);font-weight:600;font-size:12px}
code,.id{white-space:nowrap;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
.ok{color:var(--good);font-weight:600}
.gap,.gaps li{color:var(--bad);font-weight:600}
.gaps{border:2px solid var(--bad);background:#fff5f5}
.muted{color:var(--muted)}
pre{white-space:pre-wrap;overflow-wrap:normal;font-size:12px;background:var(--bg);padding:8px}
@media print{body{background:#fff}section{break-inside:avoid}header{background:#fff;color:#000}header p{color:#333}}
</style>
</head>
<body>
<header>
<h1>Evidence for change <span class="id">{{.P.Name}}</span></h1>
<p>{{.P.Title}} · merged <span class="id">{{.P.Implementation.Time}}</span> · generated <span class="id">{{.P.Generated}}</span>{{with .P.LedgerHead}} · ledger head entry {{.Entry}} <code>{{.Hash}}</code>{{end}}</p>
</header>
<main>
{{if .P.Evidenced}}<section id="status"><p class="ok">Every part below is evidenced: request, plan, approvals, implementation, verification and the ledger chain.</p></section>
{{else}}<section id="gaps" class="gaps"><h2 class="gap">Not evidence: this change has gaps</h2><ul>{{range .P.Gaps}}<li>{{.}}</li>{{end}}</ul>
<p>Parts with a gap are shown for reference only; they do not evidence the controls named below.</p></section>{{end}}

<section id="controls"><h2>NIST SP 800-53 controls</h2>
<table><thead><tr><th>Control</th><th>Status</th><th>How estate evidences it</th><th>Parts</th></tr></thead><tbody>
{{range .P.Controls}}<tr><td><span class="id">{{.ID}}</span> {{.Name}}</td><td>{{if .Evidenced}}<span class="ok">evidenced</span>{{else}}<span class="gap">gap</span>{{range .Gaps}}<div class="gap">{{.}}</div>{{end}}{{end}}</td><td>{{.How}}</td><td>{{range $i, $p := .Parts}}{{if $i}}, {{end}}<a href="#{{$p}}">{{$p}}</a>{{end}}</td></tr>
{{end}}</tbody></table></section>

<section id="request"><h2>Request (CM-3)</h2>
{{with .P.Request}}{{with .Record}}<table><tbody>
<tr><th>Change request</th><td><span class="id">{{.ID}}</span> ({{$.P.Request.Path}})</td></tr>
<tr><th>Title</th><td>{{.Title}}</td></tr><tr><th>Type</th><td>{{.Type}}{{if .Template}} ({{.Template}}){{end}}</td></tr>
<tr><th>Declared risk</th><td>{{.Risk}}</td></tr><tr><th>Reason</th><td>{{.Reason}}</td></tr>
{{if .RequestedBy}}<tr><th>Requested by</th><td>{{.RequestedBy}}</td></tr>{{end}}
{{with .Window}}<tr><th>Window</th><td><span class="id">{{.Start}}</span> to <span class="id">{{.End}}</span></td></tr>{{end}}
{{if .Backout}}<tr><th>Back-out</th><td>{{.Backout}}</td></tr>{{end}}
{{if .Links}}<tr><th>Links</th><td>{{join .Links ", "}}</td></tr>{{end}}
</tbody></table>{{end}}{{else}}<p class="gap">No change request record was added or changed by this merge.</p>{{end}}
</section>

<section id="plan"><h2>Plan as approved (CM-3, CM-6)</h2>
<p>The plan of <code>{{.P.Plan.Head}}</code> (the pull request's head, else the merge) against the base <code>{{.P.Plan.Base}}</code>, as <code>estate change plan</code> makes it.</p>
{{with .P.Plan.Note}}<p class="muted">{{.}}</p>{{end}}
{{with .P.Plan.Plan}}<table><tbody>
<tr><th>Type</th><td>{{.Type}}</td></tr>
<tr><th>Computed risk</th><td>{{.ComputedRisk}}{{if .DeclaredRisk}} (declared {{.DeclaredRisk}}){{end}}{{range .RiskReasons}}<div class="muted">{{.}}</div>{{end}}</td></tr>
<tr><th>Devices affected</th><td>{{.Impact.Devices}}{{range .Impact.Baselines}}<div>baseline {{.Name}}: {{.Devices}} devices{{if .Changed}}; controls changed: {{join .Changed ", "}}{{end}}{{if .Added}}; added: {{join .Added ", "}}{{end}}{{if .Removed}}; removed: {{join .Removed ", "}}{{end}}</div>{{end}}</td></tr>
<tr><th>Freeze windows</th><td>{{if .Freeze}}{{range .Freeze}}<div>{{.Name}}: {{.Why}}</div>{{end}}{{else}}none{{end}}</td></tr>
<tr><th>Findings</th><td>{{len .Findings}}{{range .Findings}}<div>{{.Severity}}: {{.Message}}</div>{{end}}</td></tr>
</tbody></table>
<table><thead><tr><th>Action</th><th>Record</th><th>Path</th><th>Fields</th></tr></thead><tbody>
{{range .Records}}<tr><td>{{.Action}}</td><td><span class="id">{{.Kind}} {{.ID}}</span></td><td><code>{{.Path}}</code></td><td>{{range .Fields}}<div>{{.Field}}</div>{{end}}</td></tr>
{{end}}</tbody></table>{{else}}<p class="gap">The plan could not be rebuilt: {{.P.Plan.Error}}</p>{{end}}
</section>

<section id="approvals"><h2>Approvals (CM-3, CM-5)</h2>
{{if .P.Approvals.PolicyFrom}}<p>The change-control policy in force: <code>policies/change-control.yaml</code> at <code>{{.P.Approvals.PolicyFrom}}</code>.</p>
<table><thead><tr><th>Rule</th><th>Required</th><th>Counted</th><th>Deadline</th><th>Status</th></tr></thead><tbody>
{{range .P.Approvals.Required}}<tr><td>{{.Rule}}{{if .Users}} (users {{join .Users ", "}}){{end}}{{if .Teams}} (teams {{join .Teams ", "}}){{end}}</td><td>{{.Count}}</td><td>{{.Counted}}</td><td><span class="id">{{.Deadline}}</span></td><td>{{if .Met}}<span class="ok">met</span>{{else}}<span class="gap">short of approvals</span>{{end}}</td></tr>
{{else}}<tr><td colspan="5">no rule applied to this change</td></tr>{{end}}</tbody></table>{{else}}<p class="gap">No change-control policy was in force at the base.</p>{{end}}
<h3>Approving reviews recorded</h3>
{{if .P.Approvals.Given}}<table><thead><tr><th>By</th><th>At</th></tr></thead><tbody>{{range .P.Approvals.Given}}<tr><td>{{.By}}</td><td><span class="id">{{.At}}</span></td></tr>{{end}}</tbody></table>{{else}}<p class="gap">none</p>{{end}}
</section>

<section id="implementation"><h2>Implementation (CM-3, CM-5, CM-8)</h2>
<table><tbody>
<tr><th>Merge commit</th><td><code>{{.P.Implementation.Merge}}</code></td></tr>
{{if .P.Implementation.Base}}<tr><th>Base</th><td><code>{{.P.Implementation.Base}}</code></td></tr>{{end}}
{{if .P.Implementation.Head}}<tr><th>Pull request head</th><td><code>{{.P.Implementation.Head}}</code></td></tr>{{end}}
{{if .P.Implementation.PR}}<tr><th>Pull request</th><td>#{{.P.Implementation.PR}}</td></tr>{{end}}
<tr><th>Author</th><td>{{.P.Implementation.Author}}</td></tr>
<tr><th>Merged</th><td><span class="id">{{.P.Implementation.Time}}</span></td></tr>
<tr><th>Signature (git)</th><td>{{with .P.Implementation.Signature}}<span class="{{if eq .Status "bad"}}gap{{else if eq .Status "good"}}ok{{end}}">{{.Status}}</span>{{if .Signer}} by {{.Signer}}{{end}}{{if .Key}} key <code>{{.Key}}</code>{{end}}{{end}}</td></tr>
<tr><th>Ledger entry</th><td>{{template "entry" .P.Implementation.Entry}}</td></tr>
</tbody></table>
<table><thead><tr><th>Action</th><th>Record</th><th>Path</th><th>Fields</th></tr></thead><tbody>
{{range .P.Implementation.Records}}<tr><td>{{.Action}}</td><td><span class="id">{{.Kind}} {{.ID}}</span></td><td><code>{{.Path}}</code>{{if .From}} (from <code>{{.From}}</code>){{end}}</td><td>{{join .Fields ", "}}</td></tr>
{{end}}</tbody></table>
</section>

<section id="verification"><h2>Verification (CM-3, CM-6)</h2>
{{if .P.Verification.Verified}}{{with .P.Verification}}<table><tbody>
<tr><th>Verified by</th><td>{{template "entry" .Entry}}</td></tr>
{{with .Audit}}<tr><th>Audit</th><td>{{template "entry" .}}</td></tr>{{end}}
{{with .Report}}<tr><th>Audit report</th><td>digest <code>{{.Digest}}</code>; estate revision <code>{{.Commit}}</code>; {{.Findings}} findings, {{.Noncompliant}} records non-compliant</td></tr>{{end}}
</tbody></table>{{end}}{{else}}<p class="gap">Not verified: no audit recorded in the ledger has found the change's records compliant since it merged.</p>{{end}}
</section>

<section id="chain"><h2>Hash chain to the ledger's tip (CM-3, CM-5)</h2>
<p>{{if .P.Chain.Intact}}<span class="ok">intact</span>{{else}}<span class="gap">broken</span>{{end}}: entries {{.P.Chain.From}} to {{.P.Chain.To}}, each naming the SHA-256 of the one before it.</p>
{{range .P.Chain.Problems}}<p class="gap">{{.}}</p>{{end}}
<table><thead><tr><th>Entry</th><th>Kind</th><th>Time</th><th>Hash</th><th>Previous</th></tr></thead><tbody>
{{range .Head}}<tr><td>{{.Seq}}</td><td>{{.Kind}}</td><td><span class="id">{{.Time}}</span></td><td><code>{{.Hash}}</code></td><td><code>{{.Prev}}</code></td></tr>
{{end}}{{if .Skipped}}<tr><td colspan="5" class="muted">… {{.Skipped}} more links (the JSON lists them all)</td></tr>
{{range .Tail}}<tr><td>{{.Seq}}</td><td>{{.Kind}}</td><td><span class="id">{{.Time}}</span></td><td><code>{{.Hash}}</code></td><td><code>{{.Prev}}</code></td></tr>
{{end}}{{end}}</tbody></table>
</section>

<section id="baselines"><h2>Baselines and their earlier versions (CM-2, CM-2(3))</h2>
{{range .P.Baselines}}<h3>{{.Name}} <span class="muted">{{.Path}}</span></h3>{{if .Error}}<p class="gap">{{.Error}}</p>{{end}}
<table><thead><tr><th>Date</th><th>Version</th><th>Commit</th><th>Action</th><th>Change</th><th>Approved by</th></tr></thead><tbody>
{{range .Versions}}<tr><td><span class="id">{{.Date}}</span></td><td><span class="id">{{.Version}}</span></td><td><code>{{.Commit}}</code></td><td>{{.Action}}</td><td><span class="id">{{.Change}}</span>{{if .PR}} #{{.PR}}{{end}}</td><td>{{range .Approvers}}<div>{{.By}} <span class="id">{{.At}}</span></div>{{end}}</td></tr>
{{end}}</tbody></table>{{else}}<p class="muted">No baseline in the estate at the merge.</p>{{end}}
</section>

<section id="inventory"><h2>Inventory accuracy of {{.P.Inventory.Period}} (CM-8)</h2>
{{with .P.Inventory}}{{if .Known}}<p>{{.Audits}} audits recorded from <span class="id">{{.Start}}</span> to <span class="id">{{.End}}</span>; the last, entry {{.LastSeq}} at <span class="id">{{.Last}}</span>:</p>
<table><thead><tr><th>Devices seen</th><th>Assets expected</th><th>Unregistered devices</th><th>Missing assets</th><th>Duplicates</th></tr></thead><tbody>
<tr><td>{{.Devices}}</td><td>{{.Assets}}</td><td>{{.Unregistered}}</td><td>{{.Missing}}</td><td>{{.Duplicates}}</td></tr></tbody></table>{{else}}<p class="gap">No audit is recorded in the ledger from {{.Start}} to {{.End}}: the inventory's accuracy is unknown.</p>{{end}}{{end}}
</section>
</main>
<footer style="color:#616e7c;font-size:12px;max-width:1100px;margin:0 auto;padding:0 24px 32px"><p>Generated by estate from the repository's git history and its ledger. This file is self-contained: it runs no script and loads nothing from the network. Its JSON twin holds every value shown here; <code>estate ledger verify --against</code> that JSON checks the ledger still holds the head it saw.</p></footer>
</body>
</html>
{{define "entry"}}{{if .}}entry {{.Seq}} ({{.Kind}}, <span class="id">{{.Time}}</span>), hash <code>{{.Hash}}</code>, ledger commit <code>{{.Commit}}</code>{{else}}<span class="gap">not in the ledger</span>{{end}}{{end}}`

var page = template.Must(template.New("evidence").Funcs(template.FuncMap{"join": strings.Join}).Parse(pageHTML))

type view struct {
	P          *Pack
	Head, Tail []EntryRef
	Skipped    int
}

// Render writes p's page.
func Render(w io.Writer, p *Pack) error {
	v := view{P: p, Head: p.Chain.Links}
	if n := len(p.Chain.Links); n > MaxLinks {
		v.Head, v.Tail, v.Skipped = p.Chain.Links[:MaxLinks/2], p.Chain.Links[n-MaxLinks/2:], n-MaxLinks
	}
	if err := page.Execute(w, v); err != nil {
		return fmt.Errorf("render evidence %s: %w", p.Name, err)
	}
	return nil
}

// WriteJSON writes p's JSON (indented, stable field order).
func WriteJSON(w io.Writer, p *Pack) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(p)
}
