package htmlreport

// pageHTML is the report's template. No script, no external resource:
// the Content-Security-Policy forbids both, so the file renders the same
// anywhere. Charts are inline SVG; colours have text labels beside them.
const pageHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="estate">
<title>{{.Title}} — {{.AsOf}}</title>
<style>
:root{--ink:#1f2933;--muted:#616e7c;--line:#d9e2ec;--bg:#f5f7fa;--accent:#2f6fb3;--good:#2e7d4f;--warn:#b7791f;--bad:#c53030;--refresh:#2f6fb3;--warranty:#d69e2e}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 -apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:var(--bg)}
header{background:#102a43;color:#fff;padding:24px 32px}
header h1{margin:0 0 4px;font-size:24px}
header p{margin:0;color:#bcccdc}
main{max-width:1100px;margin:0 auto;padding:16px 24px 48px}
section{background:#fff;border:1px solid var(--line);border-radius:6px;padding:16px 20px;margin:16px 0}
h2{font-size:18px;margin:0 0 12px}
h3{font-size:15px;margin:16px 0 8px}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(160px,1fr));gap:12px;margin:16px 0}
.kpi{background:#fff;border:1px solid var(--line);border-left:4px solid var(--accent);border-radius:6px;padding:10px 12px}
.kpi.good{border-left-color:var(--good)}.kpi.warn{border-left-color:var(--warn)}.kpi.bad{border-left-color:var(--bad)}
.kpi .v{font-size:24px;font-weight:600}
.kpi .l{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.kpi .s{color:var(--muted);font-size:12px}
table{border-collapse:collapse;width:100%;margin:8px 0}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:var(--bg);font-weight:600;font-size:12px}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.status-over-deployed,.status-expired,.sev-high,.sev-critical{color:var(--bad);font-weight:600}
.status-expiring,.sev-medium{color:var(--warn);font-weight:600}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(460px,1fr));gap:16px}
svg{max-width:100%;height:auto}
svg text{font:12px sans-serif;fill:var(--ink)}
.muted{color:var(--muted)}
.nw,td.nw,th.nw,td:first-child{white-space:nowrap}
td,th{overflow-wrap:normal;word-break:keep-all}
#commentary p{margin:4px 0}
.note{color:var(--muted);font-size:12px;margin:4px 0}
.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px;vertical-align:middle}
footer{color:var(--muted);font-size:12px;max-width:1100px;margin:0 auto;padding:0 24px 32px}
@media print{body{background:#fff}section{break-inside:avoid;border:none}header{background:#fff;color:#000}header p{color:#333}}
</style>
</head>
<body>
<header>
<h1>{{.Title}}</h1>
<p>{{if .Org}}{{.Org}} · {{end}}as of {{.AsOf}} · {{.Revision}} · generated {{.Generated}}</p>
</header>
<main>
{{if .Commentary}}<section id="commentary">
<h2>Summary</h2>
{{range .Commentary}}<p>{{.}}</p>
{{end}}<p class="note">Each sentence is computed from the figures of the compliance trend below.</p>
</section>{{end}}
<div class="kpis" id="kpis">
{{range .KPIs}}<div class="kpi {{.Tone}}"><div class="l">{{.Label}}</div><div class="v">{{.Value}}</div><div class="s">{{.Sub}}</div></div>
{{end}}</div>

<section id="compliance">
<h2>Compliance</h2>
{{if .CurrentSource}}<p class="note">{{.CurrentSource}}</p>{{end}}
{{with .Latest}}<p>{{if $.CurrentSource}}Now{{else}}Latest audit{{end}}, {{.Date}}: <strong>{{pct .}}</strong> of {{.Devices}} devices compliant ({{.Compliant}} compliant, {{.NonCompliant}} non-compliant, {{.Unverified}} unverified; {{.Missing}} expected devices not seen; {{.Findings}} findings).</p>{{else}}<p class="muted">No audit is recorded in the ledger for this period: run <code>estate audit</code> and record it with <code>estate ledger record-audit</code>.</p>{{end}}
{{with .TrendChart}}{{template "line" .}}{{end}}
{{with .ComplianceTrend}}<h3>Compliance trend by {{.Period}}</h3>
<p class="note">From the ledger's compliance changes; {{.Devices}} devices in use with a baseline.</p>
{{with $.StateChart}}{{template "line" .}}{{end}}
<table><thead><tr><th class="nw">Period</th><th class="n">Audit</th><th class="n">Failing</th><th class="n">Compliant %</th></tr></thead><tbody>
{{range .Points}}<tr><td class="nw">{{.Period}}</td><td class="n">{{.Audit}}</td><td class="n">{{.Failing}}</td><td class="n">{{printf "%.1f" .Compliant}}%</td></tr>
{{end}}</tbody></table>
{{if .Drivers}}<h3>Change in failing devices since the period before</h3>
<table><thead><tr><th>By</th><th>Name</th><th class="n">Before</th><th class="n">After</th><th class="n">Change</th></tr></thead><tbody>
{{range .Drivers}}<tr><td>{{.By}}</td><td class="nw">{{.Name}}</td><td class="n">{{.Before}}</td><td class="n">{{.After}}</td><td class="n">{{printf "%+d" (sub .After .Before)}}</td></tr>
{{end}}</tbody></table>{{end}}
{{if .TTR}}<h3>Time to remediate (days, audit to audit)</h3>
<table><thead><tr><th>By</th><th>Name</th><th class="n">Fixed</th><th class="n">Median</th><th class="n">90th percentile</th></tr></thead><tbody>
{{range .TTR}}<tr><td>{{.By}}</td><td class="nw">{{.Name}}</td><td class="n">{{.Fixed}}</td><td class="n">{{printf "%.1f" .Median}}</td><td class="n">{{printf "%.1f" .P90}}</td></tr>
{{end}}</tbody></table>{{end}}
{{if .Ahead}}<h3>Controls taking effect ahead</h3>
<table><thead><tr><th class="nw">Effective</th><th>Control</th><th>Baseline</th><th>Grace</th><th class="n">Failing now</th></tr></thead><tbody>
{{range .Ahead}}<tr><td class="nw">{{.Effective}}</td><td class="nw">{{.Control}}</td><td class="nw">{{.Baseline}}</td><td>{{.Grace}}</td><td class="n">{{.Upcoming}}</td></tr>
{{end}}</tbody></table>{{end}}
{{end}}
{{if .Baselines}}<h3>By baseline</h3>
<table><thead><tr><th>Baseline</th><th class="n">Devices</th><th class="n">Compliant</th><th class="n">Non-compliant</th><th class="n">Unverified</th><th class="n">Compliant %</th><th>Failed most</th></tr></thead><tbody>
{{range .Baselines}}<tr><td>{{.Name}} {{.Version}}</td><td class="n">{{.Devices}}</td><td class="n">{{.Compliant}}</td><td class="n">{{.NonCompliant}}</td><td class="n">{{.Unverified}}</td><td class="n">{{.Percent}}</td><td>{{join .Failing "; "}}</td></tr>
{{end}}</tbody></table>{{end}}
{{if .TrendRows}}<h3>Audits recorded in the ledger</h3><table><thead><tr><th>Audit</th><th class="n">Devices</th><th class="n">Compliant</th><th class="n">Non-compliant</th><th class="n">Unverified</th><th class="n">Missing</th><th class="n">Findings</th><th class="n">Compliant %</th></tr></thead><tbody>
{{range .TrendRows}}<tr><td>{{.Date}}</td><td class="n">{{.Devices}}</td><td class="n">{{.Compliant}}</td><td class="n">{{.NonCompliant}}</td><td class="n">{{.Unverified}}</td><td class="n">{{.Missing}}</td><td class="n">{{.Findings}}</td><td class="n">{{pct .}}</td></tr>
{{end}}</tbody></table>{{end}}
</section>

<section id="inventory">
<h2>Inventory</h2>
<p>{{.Total}} assets, {{.Active}} active (not retired, disposed, lost or stolen).</p>
<div class="grid">
{{template "bars" .Status}}
{{template "bars" .Class}}
</div>
{{template "bars" .Location}}
{{if .Matrix.Rows}}<h3>Class by status</h3>
<table><thead><tr><th>Class</th>{{range .Matrix.Cols}}<th class="n">{{.}}</th>{{end}}<th class="n">Total</th></tr></thead><tbody>
{{range .Matrix.Rows}}<tr><td>{{.Label}}</td>{{range .Cells}}<td class="n">{{.}}</td>{{end}}<td class="n">{{.Total}}</td></tr>
{{end}}</tbody></table>{{end}}
</section>

<section id="licences">
<h2>Licences</h2>
{{with .Licences}}<p>{{.Totals.Licences}} licences, {{.Totals.Seats}} seats, {{.Totals.Used}} used; {{.Totals.OverDeployed}} over-deployed; {{.Totals.Expired}} expired and {{.Totals.Expiring}} expiring within {{.Within}} days. {{if .FactsDevices}}Installs from the facts of {{.FactsDevices}} devices.{{else}}No facts read: installs unknown, assignments only.{{end}}</p>{{end}}
{{if .LicenceRows}}<table><thead><tr><th>Licence</th><th>Product</th><th>Metric</th><th class="n">Seats</th><th class="n">Assigned</th><th class="n">Installed</th><th class="n">Used</th><th class="n">Over</th><th class="n">Unused</th><th class="n">Saving / year</th><th>Expires</th><th class="n">Days</th><th>Status</th></tr></thead><tbody>
{{range .LicenceRows}}<tr><td>{{.ID}}</td><td>{{.Product}}</td><td>{{.Metric}}</td><td class="n">{{.Seats}}</td><td class="n">{{.Assigned}}</td><td class="n">{{.Installed}}</td><td class="n">{{.Used}}</td><td class="n">{{.Over}}</td><td class="n">{{.Unused}}</td><td class="n">{{if .SavingPerYear}}{{money .Currency .SavingPerYear}}{{end}}</td><td>{{.Expires}}</td><td class="n">{{days .DaysLeft}}</td><td class="status-{{.Status}}">{{.Status}}</td></tr>
{{end}}</tbody></table>{{if .LicenceMore}}<p class="note">… and {{.LicenceMore}} more licences (estate licences lists them all).</p>{{end}}{{else}}<p class="muted">No licences in the inventory.</p>{{end}}
{{if .Findings}}<h3>Licence problems</h3><ul>{{range .Findings}}<li class="sev-{{.Severity}}">{{.Message}}</li>{{end}}</ul>{{end}}
</section>

<section id="forecast">
<h2>Forecast</h2>
{{with .Forecast}}<p>Next {{.Months}} months ({{.AsOf}} to {{.Until}}), {{.Active}} active assets. Already due: {{.Overdue.Refresh}} refreshes, {{.Overdue.Warranty}} assets out of warranty, {{.Overdue.Audit}} physical audits.</p>{{end}}
{{with .Months}}{{if .Cols}}<svg role="img" aria-label="Refresh and warranty expiry per month" viewBox="0 0 {{.Width}} {{.Height}}" width="{{.Width}}" height="{{.Height}}">
<title>Refreshes due and warranties ending per month</title>
<line class="axis" x1="10" x2="630" y1="{{.Base}}" y2="{{.Base}}" stroke="#486581"/><line class="axis" x1="10" x2="10" y1="10" y2="{{.Base}}" stroke="#486581"/><text x="12" y="20" font-size="10">{{.Max}}</text><text x="12" y="{{sub .Base 2}}" font-size="10">0</text>
{{range .Cols}}<g><title>{{.Title}}</title><rect x="{{.X}}" y="{{.Y1}}" width="{{.W}}" height="{{.H1}}" fill="#2f6fb3"/><rect x="{{add .X .W}}" y="{{.Y2}}" width="{{.W}}" height="{{.H2}}" fill="#d69e2e"/><text x="{{.LabelX}}" y="198" text-anchor="middle" font-size="10">{{.Label}}</text></g>
{{end}}<text x="10" y="214" font-size="10">assets per month (scale 0 to {{.Max}})</text></svg>
<p class="legend"><span style="background:#2f6fb3"></span>refresh due<span style="background:#d69e2e"></span>warranty ends</p>{{end}}{{end}}
<h3>By quarter</h3>
<table><thead><tr><th>Quarter</th><th class="n">Warranties ending</th><th class="n">Refresh due</th><th class="n">Refresh cost</th><th class="n">Physical audits due</th></tr></thead><tbody>
<tr><td>already due</td><td class="n">{{.Overdue.Warranty}}</td><td class="n">{{.Overdue.Refresh}}</td><td class="n">{{call .Money .Overdue.RefreshCost}}</td><td class="n">{{.Overdue.Audit}}</td></tr>
{{range .Quarters}}<tr><td>{{.Period}}</td><td class="n">{{.Warranty}}</td><td class="n">{{.Refresh}}</td><td class="n">{{call $.Money .RefreshCost}}</td><td class="n">{{.Audit}}</td></tr>
{{end}}</tbody></table>
{{with .Forecast}}<p class="note">Refresh policy: {{range $i, $p := .Policies}}{{if $i}}; {{end}}{{$p.Class}} {{$p.Years}} years ({{$p.Source}}){{end}}. Physical audit every {{.AuditDays}} days ({{.AuditSource}}). Replacement cost: the policy's cost when set, else the asset's purchase cost.</p>{{end}}
{{if .Due}}<h3>Due soonest</h3>
<table><thead><tr><th>Due</th><th>What</th><th>Asset</th><th>Class</th><th>Location</th><th>Owner</th><th class="n">Cost</th></tr></thead><tbody>
{{range .Due}}<tr><td>{{.Due}}</td><td>{{.Kind}}</td><td>{{.Asset}}</td><td>{{.Class}}</td><td>{{.Location}}</td><td>{{.Owner}}</td><td class="n">{{if .Cost}}{{money .Currency .Cost}}{{end}}</td></tr>
{{end}}</tbody></table>{{if .DueMore}}<p class="note">… and {{.DueMore}} more in the horizon (estate forecast --by asset lists them all).</p>{{end}}{{end}}
</section>

<section id="changes">
<h2>Changes of the period</h2>
<p>{{.PeriodStart}} to {{.PeriodEnd}}: {{len .Changes}} changes{{if .ChangesSource}} ({{.ChangesSource}}){{end}}.</p>
{{if .ChangeRows}}<table><thead><tr><th>Date</th><th>Change</th><th>Title</th><th>Type</th><th>Risk</th><th class="n">PR</th><th>Author</th><th>Approved by</th><th class="n">Records</th></tr></thead><tbody>
{{range .ChangeRows}}<tr><td>{{.Date}}</td><td>{{.ID}}</td><td>{{.Title}}</td><td>{{.Type}}</td><td>{{.Risk}}</td><td class="n">{{if .PR}}#{{.PR}}{{end}}</td><td>{{.Author}}</td><td>{{join .Approvers ", "}}</td><td class="n">{{.Records}}</td></tr>
{{end}}</tbody></table>{{if .ChangeMore}}<p class="note">… and {{.ChangeMore}} more (estate ledger show lists them all).</p>{{end}}{{end}}
</section>
{{with .Service}}
<section id="incidents">
<h2>Incidents</h2>
<p>{{.Open}} open of {{.Opened}} opened, {{.Resolved}} resolutions; repeat rate {{printf "%.1f" .RepeatRate}}% ({{.Reopened}} reopened).</p>
<table><thead><tr><th>Open by severity</th><th class="n">Incidents</th></tr></thead><tbody>
{{range $k, $n := .OpenBySeverity}}<tr><td>{{$k}}</td><td class="n">{{$n}}</td></tr>
{{end}}</tbody></table>
<table><thead><tr><th>Open by age</th><th class="n">Incidents</th></tr></thead><tbody>
{{range $k, $n := .OpenByAge}}<tr><td>{{$k}}</td><td class="n">{{$n}}</td></tr>
{{end}}</tbody></table>
<h3>SLA breaches ({{len .Breaches}})</h3>
{{if .Breaches}}<table><thead><tr><th class="n">Issue</th><th>Incident</th><th>Severity</th><th>Due</th><th class="n">Days over</th></tr></thead><tbody>
{{range .Breaches}}<tr><td class="n">#{{.Issue}}</td><td>{{.Fingerprint}}</td><td>{{.Severity}}</td><td>{{.Due}}</td><td class="n">{{.DaysOver}}</td></tr>
{{end}}</tbody></table>{{end}}
<h3>Mean time to resolve</h3>
<table><thead><tr><th>Control or team</th><th class="n">Resolved</th><th class="n">Mean hours</th></tr></thead><tbody>
{{range .MTTRByControl}}<tr><td>{{.Key}}</td><td class="n">{{.Resolved}}</td><td class="n">{{printf "%.1f" .Hours}}</td></tr>
{{end}}{{range .MTTRByTeam}}<tr><td>{{.Key}}</td><td class="n">{{.Resolved}}</td><td class="n">{{printf "%.1f" .Hours}}</td></tr>
{{end}}</tbody></table>
<h3>Top problems ({{len .TopProblems}})</h3>
{{if .TopProblems}}<table><thead><tr><th>Problem</th><th>Status</th><th>Control</th><th class="n">Incidents</th><th>Title</th></tr></thead><tbody>
{{range .TopProblems}}<tr><td>{{.ID}}</td><td>{{.Status}}</td><td>{{.Control}}</td><td class="n">{{.Incidents}}</td><td>{{.Title}}</td></tr>
{{end}}</tbody></table>{{end}}
</section>{{end}}
</main>
<footer>
{{range .Notes}}<p>{{.}}</p>{{end}}
<p>Generated by estate from the repository's records{{if .Revision}} at {{.Revision}}{{end}}. This file is self-contained: it loads nothing from the network.</p>
</footer>
</body>
</html>
{{define "bars"}}<div><h3>{{.Title}}</h3>{{if .Bars}}<svg role="img" aria-label="{{.Title}}" viewBox="0 0 560 {{add .Height 30}}" width="560" height="{{add .Height 30}}">
{{range .Bars}}<g><title>{{.Label}}: {{.Value}}</title><text x="186" y="{{.LabelY}}" text-anchor="end">{{.Short}}</text><rect x="192" y="{{.Y}}" width="{{.W}}" height="16" fill="#2f6fb3"/><text x="{{add .ValueX 4}}" y="{{.LabelY}}">{{.ValueLabel}}</text></g>
{{end}}<line class="axis" x1="192" x2="192" y1="0" y2="{{.Height}}" stroke="#486581"/><line class="axis" x1="192" x2="492" y1="{{.Height}}" y2="{{.Height}}" stroke="#486581"/><text x="192" y="{{add .Height 14}}" text-anchor="middle">0</text><text x="492" y="{{add .Height 14}}" text-anchor="middle">{{.Max}}</text><text x="342" y="{{add .Height 27}}" text-anchor="middle">assets</text></svg>{{else}}<p class="muted">none</p>{{end}}</div>{{end}}
{{define "line"}}<svg role="img" aria-label="Compliance trend" viewBox="0 0 {{.Width}} {{.Height}}" width="{{.Width}}" height="{{.Height}}">
<title>Share of compliant devices</title>
{{range .YTicks}}<line x1="40" x2="630" y1="{{.Pos}}" y2="{{.Pos}}" stroke="#d9e2ec"/><text x="4" y="{{add .Pos 4}}">{{.Label}}</text>
{{end}}<line class="axis" x1="40" x2="40" y1="10" y2="{{.Baseline}}" stroke="#486581"/><line class="axis" x1="40" x2="630" y1="{{.Baseline}}" y2="{{.Baseline}}" stroke="#486581"/>
<polyline fill="none" stroke="#2f6fb3" stroke-width="2" points="{{.Points}}"/>
{{range .Dots}}<circle cx="{{.X}}" cy="{{.Y}}" r="3" fill="#2f6fb3"><title>{{.Title}}</title></circle>
{{end}}{{range .XLabels}}<text x="{{.Pos}}" y="188" text-anchor="{{.Anchor}}">{{.Label}}</text>
{{end}}<text x="335" y="210" text-anchor="middle">{{.XTitle}}</text><text x="46" y="8" font-size="10">compliant %</text></svg>{{end}}`
