import { Token } from "@switchyard/contracts";
import { baseConfigSchema, configFlag as flag } from "@switchyard/runtime";
import { z } from "zod";

/** One downstream gitlab-runner Switchyard manages, and where to read its health. */
export const fleetRunnerSchema = z.object({
  id: Token.describe("Switchyard's runner id, e.g. r-001 (a NATS subject token)"),
  pool: Token.describe("pool the runner serves"),
  gitlabRunnerId: z.number().int().positive().optional().describe("the runner's id in GitLab's REST API"),
  metricsUrl: z.url().optional().describe("gitlab-runner listen_address /metrics URL"),
  hostMetricsUrl: z.url().optional().describe("node_exporter /metrics URL of the runner's host"),
  description: z.string().max(256).optional(),
  limit: z.number().int().nonnegative().optional().describe("job limit when the metrics do not say; 0 = unlimited"),
  cpus: z.number().positive().optional(),
  memoryGiB: z.number().positive().optional(),
});
export type FleetRunner = z.infer<typeof fleetRunnerSchema>;

/** The monitor's configuration: base settings, GitLab access, the fleet and the health policy. */
export const monitorConfigSchema = baseConfigSchema.extend({
  gitlabUrl: z.url().optional().describe("GitLab base URL (without /api/v4); without it only metrics are read"),
  gitlabToken: z.string().min(1).optional().describe("admin/read_api token sent as PRIVATE-TOKEN (secret: never logged)"),
  gitlabRequestTimeoutMs: z.coerce.number().int().positive().default(10_000).describe("deadline of one GitLab HTTP attempt"),
  gitlabMaxAttempts: z.coerce.number().int().min(1).max(10).default(4).describe("attempts per GitLab call (429/5xx retried)"),
  pollIntervalMs: z.coerce.number().int().positive().default(10_000).describe("how often the fleet is read"),
  scrapeTimeoutMs: z.coerce.number().int().positive().default(3_000).describe("deadline of one /metrics scrape"),
  fleet: z.array(fleetRunnerSchema).default([]).describe("downstream runners (YAML file or SWITCHYARD_FLEET JSON)"),
  diskThreshold: z.coerce.number().gt(0).max(1).default(0.6).describe("disk used ratio above which a runner drains"),
  brokerContactTimeoutMs: z.coerce.number().int().positive().default(180_000)
    .describe("a runner the broker heard from (poll or job call) within this long is alive, whatever GitLab's contacted status says"),
  staleAfterMs: z.coerce.number().int().positive().default(60_000).describe("a runner without a good read for this long is removed from fleet state"),
  recycling: flag.default(true).describe("pause a drained idle runner in GitLab (no provisioner configured)"),
  maxRecyclingShare: z.coerce.number().min(0).max(1).default(0.25).describe("most of a pool that may be recycling at once"),
  watchdogThresholdMs: z.coerce.number().int().positive().default(15_000).describe("assigner silence after which direct runners are unpaused (FIFO fallback)"),
  directRunnerIds: z.array(z.number().int().positive()).default([]).describe("GitLab ids of runners registered directly with GitLab, paused while Switchyard is healthy"),
  dashboardToken: z.string().min(16).optional().describe("unlocks approve/reject on the dashboard (secret: never logged); without it the dashboard is read-only"),
  leaseTtlMs: z.coerce.number().int().min(300).default(15_000)
    .describe("the monitor lease: only its holder polls GitLab and runs the FIFO watchdog; a standby takes over this long after the holder dies"),
  dashboardRefreshMs: z.coerce.number().int().min(500).default(2_000).describe("how often the dashboard page refreshes its panels"),
}).superRefine((config, ctx) => {
  if (Boolean(config.gitlabUrl) !== Boolean(config.gitlabToken)) {
    ctx.addIssue({ code: "custom", path: ["gitlabToken"], message: "gitlabUrl and gitlabToken go together" });
  }
  const seen = new Set<string>();
  config.fleet.forEach((runner, index) => {
    if (seen.has(runner.id)) ctx.addIssue({ code: "custom", path: ["fleet", index, "id"], message: `duplicate runner id ${runner.id}` });
    seen.add(runner.id);
    if (!runner.gitlabRunnerId && !runner.metricsUrl) {
      ctx.addIssue({ code: "custom", path: ["fleet", index], message: "needs gitlabRunnerId or metricsUrl to be observable" });
    }
  });
});
export type MonitorConfig = z.infer<typeof monitorConfigSchema>;
