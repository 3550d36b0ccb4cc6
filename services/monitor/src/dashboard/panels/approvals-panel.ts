import type { ApprovalRequest } from "@switchyard/contracts";
import { formatDuration } from "../format.js";
import { html, type SafeHtml } from "../html.js";

/** Whether this viewer may answer approvals, and if not, why. */
export type ApprovalAccess =
  | { allowed: true; by: string }
  | { allowed: false; reason: string };

/** Pending supervised decisions with approve/reject buttons (disabled, with the reason, when not allowed). */
export function renderApprovalsPanel(input: {
  approvals: readonly ApprovalRequest[];
  access: ApprovalAccess;
  /** Answers this monitor already sent, by decision id; shown until the assigner clears the request. */
  sent: ReadonlyMap<string, boolean>;
  at: number;
}): SafeHtml {
  const { access } = input;
  return html`<section class="panel" id="approvals-panel">
  <h2>Pending approvals <span class="summary">${input.approvals.length}</span></h2>
  ${access.allowed ? null : html`<p class="notice" data-testid="approvals-disabled">Buttons disabled: ${access.reason}</p>`}
  ${input.approvals.length === 0 ? html`<p class="empty">Nothing waits for a human.</p>` : html`<ul class="approvals">
  ${input.approvals.map((a) => {
    const expired = a.expiresAt <= input.at;
    const answered = input.sent.get(a.decisionId);
    const path = `/dashboard/approvals/${encodeURIComponent(a.decisionId)}`;
    const disabled = !access.allowed || expired || answered !== undefined;
    const title = !access.allowed ? access.reason : expired ? "the approval window closed: the safe default applies" : "";
    return html`<li class="approval" data-approval="${a.decisionId}">
      <div><span class="job-id">#${a.jobId}</span> <span class="cls">${a.jobClass}</span> <span class="muted">${a.pool}</span>
        → <b>${a.proposedRunnerId}</b>${a.fifoRunnerId ? html` <span class="muted small">(FIFO: ${a.fifoRunnerId})</span>` : null}</div>
      <div class="rationale">${a.rationale}</div>
      <div class="actions">
        ${answered !== undefined
          ? html`<span class="badge ${answered ? "approved" : "rejected"}">${answered ? "approval" : "rejection"} sent</span>`
          : html`<button class="approve" hx-post="${path}/approve" hx-target="#panels" ${disabled ? html`disabled` : null} title="${title}">Approve</button>
        <button class="reject" hx-post="${path}/reject" hx-target="#panels" ${disabled ? html`disabled` : null} title="${title}">Reject</button>`}
        <span class="muted small">${expired ? "expired" : `expires in ${formatDuration(a.expiresAt - input.at)}`}</span>
      </div>
    </li>`;
  })}</ul>`}
</section>`;
}
