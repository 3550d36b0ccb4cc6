import { formatClock } from "./format.js";
import { html, trusted, type SafeHtml } from "./html.js";
import { DASHBOARD_CSS } from "./styles.js";

/** What the header's sign-in area shows. */
export type AuthBar =
  | { kind: "not-configured" }
  | { kind: "signed-out"; error?: string }
  | { kind: "signed-in"; name: string };

function authBar(auth: AuthBar): SafeHtml {
  switch (auth.kind) {
    case "not-configured":
      return html`<span class="auth" title="set dashboardToken (SWITCHYARD_DASHBOARD_TOKEN) on the monitor">read-only: no dashboard token configured</span>`;
    case "signed-out":
      return html`<form class="auth" method="post" action="/dashboard/login">
        ${auth.error ? html`<span class="badge rejected">${auth.error}</span>` : null}
        <input name="name" placeholder="your name" autocomplete="username" maxlength="64">
        <input name="token" type="password" placeholder="dashboard token" autocomplete="current-password" required>
        <button type="submit">Sign in to approve</button></form>`;
    case "signed-in":
      return html`<form class="auth" method="post" action="/dashboard/logout">signed in as <b>${auth.name}</b>
        <button type="submit">Sign out</button></form>`;
  }
}

/** The full page: header with sign-in, and the panels container htmx refreshes every `refreshMs`. */
export function renderLayout(input: { panels: SafeHtml; auth: AuthBar; refreshMs: number }): SafeHtml {
  const every = `every ${Math.max(0.5, input.refreshMs / 1000)}s`;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Switchyard · fleet</title>
<meta name="htmx-config" content='{"includeIndicatorStyles": false, "allowEval": false, "allowScriptTags": false}'>
<style>${trusted(DASHBOARD_CSS)}</style>
<script src="/dashboard/htmx.min.js" defer></script>
<script src="/dashboard/idiomorph-ext.min.js" defer></script>
</head><body hx-ext="morph">
<header class="top"><h1>Switchyard</h1><span class="muted small">fleet dashboard</span>${authBar(input.auth)}</header>
<div id="flash" aria-live="polite"></div>
<main id="panels" hx-get="/dashboard/panels" hx-trigger="${every}" hx-swap="morph:innerHTML">${input.panels}</main>
</body></html>`;
}

/** The panels in page order; also the body of every refresh. */
export function renderPanels(parts: {
  breaker: SafeHtml; approvals: SafeHtml; runners: SafeHtml; queue: SafeHtml; sli: SafeHtml; decisions: SafeHtml; shadowFifo: SafeHtml;
  at: number; unreadable: number; flash?: string;
}): SafeHtml {
  // The notice goes out of band into #flash, outside the refreshed panels: the next refresh (or one already in
  // flight when the button was clicked) would otherwise wipe it within refreshMs, before anyone read it.
  return html`${parts.flash ? html`<div id="flash" hx-swap-oob="true" aria-live="polite"><p class="notice" data-testid="flash">${parts.flash}</p></div>` : null}
<div class="row top-row"><div class="stack">${parts.breaker}${parts.approvals}</div>${parts.sli}</div>
${parts.shadowFifo}
${parts.runners}
<div class="row narrow-left">${parts.queue}${parts.decisions}</div>
<footer data-rendered-at="${parts.at}">rendered ${formatClock(parts.at)} UTC${parts.unreadable > 0 ? ` · ${parts.unreadable} unreadable records skipped` : ""}</footer>`;
}
