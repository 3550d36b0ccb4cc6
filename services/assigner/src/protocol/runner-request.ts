import { HEADER, headerValue } from "./headers.js";

type Body = Record<string, unknown> | null;

/**
 * The token of a runner call: the RUNNER-TOKEN header, else `token` in the JSON body. gitlab-runner sends
 * both (common/consts.go, network/gitlab.go); GitLab reads params[:token] (lib/api/ci/runner.rb
 * authenticate_runner!), so a runner that sends only the body is served too. "" when there is none.
 */
export function runnerTokenOf(headers: Record<string, string | string[] | undefined>, body: Body): string {
  return headerValue(headers, HEADER.runnerToken) ?? (typeof body?.token === "string" ? body.token : "");
}

/**
 * The runner manager a call comes from: gitlab-runner sends its `system_id` on every request
 * (network/gitlab.go PrepareJobRequest); GitLab keys the runner's managers by it (Ci::Runner#ensure_manager).
 * Null when absent or empty.
 */
export function systemIdOf(body: Body): string | null {
  return typeof body?.system_id === "string" && body.system_id !== "" ? body.system_id : null;
}

/** The queue version a jobs/request saw last (X-GitLab-Last-Update echoed back as `last_update`); null when not sent. */
export function lastUpdateOf(body: Body): string | null {
  return typeof body?.last_update === "string" ? body.last_update : null;
}

/**
 * A POST /jobs/request body as gitlab-runner sends it (common/network.go JobRequest: token, system_id,
 * info, last_update); `last_update` only when a version was seen, so Workhorse passes a first request
 * straight to Rails instead of holding it (workhorse/internal/builds/register.go).
 */
export function jobRequestBody(token: string, systemId: string, info: Record<string, unknown>, lastUpdate: string | null): Record<string, unknown> {
  return { token, system_id: systemId, info, ...(lastUpdate ? { last_update: lastUpdate } : {}) };
}
