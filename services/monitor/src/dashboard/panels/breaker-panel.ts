import { formatDuration } from "../format.js";
import { html, type SafeHtml } from "../html.js";
import type { BreakerView } from "../snapshot.js";

const MEANING: Record<BreakerView["state"], string> = {
  closed: "scorer healthy: decisions are scored",
  open: "scorer failing: dispatch is plain FIFO",
  "half-open": "probing the scorer",
  unknown: "the assigner has not reported a breaker state",
};

/** The assigner's scorer circuit breaker: state, since when, why. */
export function renderBreakerPanel(input: { breaker: BreakerView; at: number }): SafeHtml {
  const b = input.breaker;
  return html`<section class="panel" id="breaker-panel">
  <h2>Circuit breaker</h2>
  <p><span class="badge breaker-${b.state}" data-testid="breaker-state">${b.state}</span> ${MEANING[b.state]}</p>
  ${b.at !== null ? html`<p class="muted small">since ${formatDuration(input.at - b.at)} ago${b.reason ? html` — ${b.reason}` : null}</p>` : null}
</section>`;
}
