import { startPeriodic, type Logger } from "@switchyard/runtime";
import type { Counter } from "prom-client";
import type { RunnerlessEnd } from "../job-lifecycle.js";
import type { Handoffs } from "../queue/handoffs.js";
import type { HeldJobs } from "../queue/held-jobs.js";
import type { GitLabRunnerApi } from "./gitlab-runner-api.js";
import { isFinalJobStatus, isNotRunning } from "../protocol/job-status.js";
import { readStoredPayload } from "../protocol/job-payload.js";
import type { JobSightings } from "./job-sightings.js";

/**
 * Learns the end of handed-off jobs whose runner went silent. A runner that dies never sends its final
 * update, so the hand-off (and the runner's and project's load) would be counted forever. GitLab ends
 * such a job itself (`no_updates_running`, 30 minutes without an update in 18.x; a timeout; a cancel),
 * so a job no broker proxied a call for within `silentMs` is asked about: an empty trace PATCH with its
 * token writes nothing and touches no build (Ci::AppendBuildTraceService), so asking never keeps it
 * alive, and a 403 with a final Job-Status says it ended. It is then forgotten, its load freed, and its
 * outcome published (`end: "runner-silent"`). A job GitLab still runs is left alone and asked again.
 */
export interface SilentHandoffs {
  check(): Promise<void>;
  stop(): void;
}

export interface SilentHandoffsDeps {
  queue: Pick<HeldJobs, "meta" | "payload"> & Pick<Handoffs, "handoffsBefore">;
  api: Pick<GitLabRunnerApi, "traceSize">;
  sightings: Pick<JobSightings, "lastSeen">;
  log: Logger;
  /** A hand-off with no runner call through any broker for this long is asked about in GitLab. */
  silentMs: number;
  intervalMs: number;
  events: Counter<"event">;
  onEnded: (pool: string, jobId: number, end: RunnerlessEnd) => Promise<void>;
  now?: () => number;
}

export function startSilentHandoffs(deps: SilentHandoffsDeps): SilentHandoffs {
  const now = deps.now ?? Date.now;
  const log = deps.log.child({ component: "silent-handoffs" });

  async function check(): Promise<void> {
    const cutoff = now() - deps.silentMs;
    // Unacknowledged hand-offs are the held keeper's (requeued or confirmed after handoffAckTimeoutMs).
    const old = (await deps.queue.handoffsBefore(cutoff)).filter((h) => h.acked);
    if (old.length === 0) return;
    const seen = await deps.sightings.lastSeen(old.map((h) => h.jobId));
    for (const { jobId, runnerId } of old) {
      if ((seen.get(jobId) ?? -Infinity) >= cutoff) continue;
      const raw = await deps.queue.payload(jobId);
      const job = readStoredPayload(raw);
      const meta = await deps.queue.meta(jobId);
      if (!job || !meta) continue; // nothing to ask with: reconcile forgets what GitLab no longer runs
      const probe = await deps.api.traceSize(jobId, job.token).catch((err: unknown) => {
        log.warn({ jobId, err: (err as Error).message }, "asking GitLab about a silent job failed; asked again next pass");
        return null;
      });
      if (!probe) continue;
      deps.events.inc({ event: "silent_handoff_probed" });
      const status = isNotRunning(probe) && isFinalJobStatus(probe.jobStatus) ? probe.jobStatus : null;
      if (status === null) continue;
      deps.events.inc({ event: "silent_handoff_ended" });
      // The runner API says how it ended, not why: failure_reason stays unknown (null).
      await deps.onEnded(meta.pool, jobId, {
        status, failureReason: null, end: "runner-silent",
        reason: `runner ${runnerId} went silent; GitLab ended the job ${status}`,
      });
    }
  }

  const stop = startPeriodic(check, deps.intervalMs, (err) => log.warn({ err: (err as Error).message }, "silent hand-off check failed"));
  return { check, stop };
}
