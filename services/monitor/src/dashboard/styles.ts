/** The dashboard's whole stylesheet: plain CSS, no build. */
export const DASHBOARD_CSS = `
:root { --bg:#f4f6f9; --card:#fff; --ink:#1d2433; --muted:#6b7385; --line:#dde2ea;
  --ok:#2f9e5b; --warn:#e0a21a; --full:#d64545; --blue:#3b6fd8; --violet:#7c4dd6; --grey:#9aa3b2; }
* { box-sizing:border-box; }
body { margin:0; font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; background:var(--bg); color:var(--ink); }
header.top { display:flex; align-items:center; gap:16px; padding:10px 20px; background:#1d2433; color:#fff; }
header.top h1 { font-size:18px; margin:0; letter-spacing:.3px; }
header.top .auth { margin-left:auto; display:flex; gap:8px; align-items:center; font-size:13px; }
header.top input { padding:3px 6px; border-radius:4px; border:1px solid #49526a; background:#2a3247; color:#fff; }
header.top button { padding:3px 10px; }
main { padding:12px 20px; display:grid; gap:12px; }
.row { display:grid; gap:12px; grid-template-columns: 1fr 1fr; align-items:start; }
.row.narrow-left { grid-template-columns: minmax(300px, 1fr) 2fr; }
.stack { display:grid; gap:12px; }
.panel { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:10px 14px; }
.panel h2 { font-size:15px; margin:0 0 8px; display:flex; gap:10px; align-items:baseline; flex-wrap:wrap; }
.panel h3 { font-size:13px; margin:8px 0 4px; }
.summary { font-weight:normal; color:var(--muted); font-size:13px; }
.grid { display:grid; grid-template-columns:repeat(auto-fill, minmax(190px, 1fr)); gap:8px; }
.runner { border:1px solid var(--line); border-left:5px solid var(--ok); border-radius:6px; padding:8px 10px; }
.runner.state-draining { border-left-color:var(--warn); }
.runner.state-paused { border-left-color:var(--blue); }
.runner.state-offline { border-left-color:var(--full); opacity:.75; }
.runner header { display:flex; justify-content:space-between; align-items:center; }
.runner p { margin:2px 0; }
.line { white-space:nowrap; overflow:hidden; text-overflow:ellipsis; }
.bar-row { display:grid; grid-template-columns:70px 1fr; align-items:center; gap:6px; margin:4px 0; font-size:12px; }
.bar { display:block; height:10px; background:#e8ebf1; border-radius:5px; overflow:hidden; }
.bar > span { display:block; height:100%; background:var(--ok); }
.bar-warn > span { background:var(--warn); }
.bar-full > span { background:var(--full); }
.badge { display:inline-block; padding:1px 7px; border-radius:10px; font-size:11px; font-weight:600; background:#e8ebf1; color:var(--ink); white-space:nowrap; }
.state-healthy.badge, .breaker-closed, .badge.approved { background:#dcf3e4; color:#1d6b3d; }
.state-draining.badge, .breaker-half-open { background:#fbefd0; color:#8a6108; }
.state-paused.badge { background:#dfe8fb; color:#23479a; }
.state-offline.badge, .breaker-open, .badge.rejected { background:#f9dddd; color:#9b2424; }
.breaker-unknown { background:#e8ebf1; color:var(--muted); }
.mode-rule { background:#dfe8fb; color:#23479a; }
.mode-llm { background:#eadffb; color:#54309e; }
.mode-fifo-fallback { background:#fbefd0; color:#8a6108; }
.not-enforced { background:#eef0f4; color:var(--muted); }
.cls { font-size:11px; padding:0 5px; border-radius:3px; background:#eef0f4; color:#39425a; font-family:ui-monospace,monospace; }
.job-id { font-family:ui-monospace,monospace; color:var(--muted); }
.job-name { font-weight:500; }
ul.jobs, ol.head, ul.approvals { margin:4px 0 0; padding-left:0; list-style:none; font-size:12px; }
ul.jobs li, ol.head li { white-space:nowrap; overflow:hidden; text-overflow:ellipsis; }
.idle { color:var(--muted); font-size:12px; margin:4px 0 0; }
table { width:100%; border-collapse:collapse; font-size:12px; }
th { text-align:left; color:var(--muted); font-weight:600; border-bottom:1px solid var(--line); padding:3px 6px; }
td { border-bottom:1px solid #eef0f4; padding:3px 6px; vertical-align:top; }
.num { text-align:right; font-variant-numeric:tabular-nums; }
td.bad { color:var(--full); font-weight:600; }
.rationale { color:#39425a; max-width:520px; overflow-wrap:anywhere; }
.muted { color:var(--muted); }
.small { font-size:11px; }
.empty { color:var(--muted); font-style:italic; margin:4px 0; }
.notice { background:#fbefd0; border-radius:5px; padding:4px 8px; font-size:12px; margin:0 0 6px; }
.approval { border:1px solid var(--line); border-radius:6px; padding:6px 8px; margin-bottom:6px; }
.actions { display:flex; gap:8px; align-items:center; margin-top:4px; }
button { font:inherit; border-radius:5px; border:1px solid var(--line); background:#fff; padding:3px 12px; cursor:pointer; }
button.approve { background:var(--ok); border-color:var(--ok); color:#fff; }
button.reject { background:#fff; border-color:var(--full); color:var(--full); }
button[disabled] { opacity:.45; cursor:not-allowed; }
footer { color:var(--muted); font-size:11px; }
.shadow { display:grid; grid-template-columns:minmax(320px, 1fr) auto; gap:16px; align-items:start; }
td.good { color:var(--ok); font-weight:600; }
td.worse { color:var(--warn); }
.shadow-chart text { font-size:11px; fill:var(--ink); }
.shadow-chart text.value { fill:var(--muted); }
.shadow-chart .live, .key.live { fill:var(--blue); background:var(--blue); }
.shadow-chart .fifo, .key.fifo { fill:var(--grey); background:var(--grey); }
.key { display:inline-block; width:10px; height:10px; border-radius:2px; vertical-align:-1px; }
`;
