import { z } from "zod";
import type { GitLabState } from "./gitlab-state.js";
import type { PipelineRunner } from "./pipelines.js";
import { historyJobSchema, jobSpecSchema } from "./model.js";
import { jsonBody, reply, route, type Route } from "./http-kit.js";
import { requirePrivateToken } from "./rest-api.js";
import type { RunnerApiKnobs } from "./runner-api.js";

const faultSchema = z.object({
  status: z.union([z.literal(409), z.literal(429), z.literal(500), z.literal(502), z.literal(503)]),
  retryAfterSeconds: z.number().int().min(0).optional(),
  durationMs: z.number().int().positive().optional(),
  times: z.number().int().positive().optional(),
}).strict();

const postHistorySchema = z.union([z.array(historyJobSchema), z.object({ jobs: z.array(historyJobSchema) })]);
const postJobsSchema = z.union([jobSpecSchema, z.array(jobSpecSchema), z.object({ jobs: z.array(jobSpecSchema) })]);

export interface AdminApiDeps {
  state: GitLabState;
  pipelines: PipelineRunner;
  knobs: RunnerApiKnobs;
  adminToken: string;
}

/** Simulator-only endpoints for other processes: queue jobs, read one job, read counts. PRIVATE-TOKEN required. */
export function adminApiRoutes({ state, pipelines, knobs, adminToken }: AdminApiDeps): Route[] {
  return [
    route("POST", "/sim/jobs", (req) => {
      if (!requirePrivateToken(req, adminToken)) return;
      const parsed = postJobsSchema.safeParse(jsonBody(req));
      if (!parsed.success) return reply(req.res, 400, { error: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) });
      const specs = Array.isArray(parsed.data) ? parsed.data : "jobs" in parsed.data ? parsed.data.jobs : [parsed.data];
      reply(req.res, 201, { ids: specs.map((spec) => state.enqueueJob(spec)) });
    }),
    // Job history (jobs that already ran), for the REST job lists: [{...job spec, createdAt, queuedAt?, startedAt,
    // finishedAt, status?, runnerId?}] or {"jobs": [...]}; ids are given in queuedAt order, as GitLab's grow.
    route("POST", "/sim/history", (req) => {
      if (!requirePrivateToken(req, adminToken)) return;
      const parsed = postHistorySchema.safeParse(jsonBody(req));
      if (!parsed.success) return reply(req.res, 400, { error: parsed.error.issues.slice(0, 20).map((i) => `${i.path.join(".")}: ${i.message}`) });
      const list = Array.isArray(parsed.data) ? parsed.data : parsed.data.jobs;
      const at = (t: number | string | undefined) => (typeof t === "number" ? t : Date.parse(t!));
      const ordered = [...list].sort((a, b) => at(a.queuedAt ?? a.createdAt) - at(b.queuedAt ?? b.createdAt));
      try {
        reply(req.res, 201, { ids: ordered.map((job) => state.recordFinishedJob(job)) });
      } catch (err) {
        reply(req.res, 400, { error: [(err as Error).message] });
      }
    }),
    route("GET", "/sim/jobs/:id", (req) => {
      if (!requirePrivateToken(req, adminToken)) return;
      const job = state.job(Number(req.params.id));
      if (!job) return reply(req.res, 404, { message: "404 Job Not Found" });
      reply(req.res, 200, job);
    }),
    // Fault injection: {"status":409|429|500|502|503, "retryAfterSeconds"?, "durationMs"?, "times"?}; DELETE clears it.
    route("PUT", "/sim/faults/jobs-request", (req) => {
      if (!requirePrivateToken(req, adminToken)) return;
      const parsed = faultSchema.safeParse(jsonBody(req));
      if (!parsed.success) return reply(req.res, 400, { error: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) });
      const { durationMs, ...fault } = parsed.data;
      knobs.jobRequestFault = { ...fault, ...(durationMs !== undefined ? { untilMs: Date.now() + durationMs } : {}) };
      reply(req.res, 200, knobs.jobRequestFault);
    }),
    route("DELETE", "/sim/faults/jobs-request", (req) => {
      if (!requirePrivateToken(req, adminToken)) return;
      knobs.jobRequestFault = null;
      reply(req.res, 204);
    }),
    route("GET", "/sim/stats", (req) => {
      if (!requirePrivateToken(req, adminToken)) return;
      const perRunner: Record<string, number> = {};
      for (const job of state.jobs()) if (job.runnerId !== null) perRunner[job.runnerId] = (perRunner[job.runnerId] ?? 0) + 1;
      const pipes = pipelines.pipelines();
      reply(req.res, 200, {
        now: new Date(state.clock.now()).toISOString(), speed: state.clock.speed, jobs: state.counts(), jobsPerRunner: perRunner,
        jobRequests: knobs.jobRequests,
        pipelines: { total: pipes.length, running: pipes.filter((p) => p.status === "running").length },
      });
    }),
  ];
}
