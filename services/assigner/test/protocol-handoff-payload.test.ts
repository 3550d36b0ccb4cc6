// The hand-off splices the payload the take-in stored (issue 16 item 1: payloads not re-parsed at
// hand-off); what the runner gets must be exactly what parsing and rewriting gives.
import { describe, expect, it } from "vitest";
import { GitLabJobPayload, handoffPayload, rewriteForHandoff, storedPayload } from "../src/protocol/job-payload.js";

const job = (extra: Record<string, unknown>) => ({
  id: 7, token: "glcbt-x", allow_git_fetch: true,
  job_info: { name: "build", stage: "test", project_id: 3, time_in_queue_seconds: 4.25 },
  git_info: { ref: "main", protected: false }, runner_info: { timeout: 3600, runner_session_url: null },
  variables: [{ key: "CI_JOB_ID", value: "7", public: true }, { key: "PRICE", value: "$5 \"quoted\" }]", public: true }],
  steps: [{ name: "script", script: ["echo hi"], timeout: 3600 }], ...extra,
});

describe("the hand-off payload spliced from the stored one", () => {
  it.each([
    ["a full job", job({})],
    ["no queue time", job({ job_info: { name: "a", stage: "b", project_id: 1 } })],
    ["a null queue time and timeout", job({ job_info: { time_in_queue_seconds: null }, runner_info: { timeout: null } })],
    ["no runner_info", job({ runner_info: undefined })],
    ["empty variables", job({ variables: [] })],
    ["null variables", job({ variables: null })],
    ["an empty job_info", job({ job_info: {} })],
    ["nothing but id and token", { id: 8, token: "t" }],
  ])("matches the parsed rewrite for %s", (_case, body) => {
    const raw = JSON.stringify(body);
    const { payload, slots } = storedPayload(JSON.parse(raw) as Record<string, unknown>);
    expect(JSON.parse(payload)).toEqual(JSON.parse(raw));
    expect(GitLabJobPayload.safeParse(JSON.parse(payload)).success).toBe(true);
    for (const [hold, explanation] of [[12.3456, "rule: r-001 scored 91 \"best\""], [0, null], [99_999, "x"]] as const) {
      expect(JSON.parse(handoffPayload(payload, slots, hold, explanation))).toEqual(JSON.parse(rewriteForHandoff(raw, hold, explanation)));
    }
  });

  it("rewrites a payload stored without slots (an older assigner's) after parsing it", () => {
    const raw = JSON.stringify(job({}));
    expect(handoffPayload(raw, undefined, 2, "rule")).toBe(rewriteForHandoff(raw, 2, "rule"));
  });
});
