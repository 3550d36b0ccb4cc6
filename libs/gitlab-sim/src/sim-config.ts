import { z } from "zod";

const num = (def: number) => z.coerce.number().nonnegative().default(def);

/** Environment of the sim processes (SIM_*), parsed once in each main. */
export const simEnvSchema = z.object({
  SIM_HOST: z.string().default("127.0.0.1").describe("listen address of the sim GitLab"),
  SIM_PORT: z.coerce.number().int().min(0).max(65535).default(0).describe("port of the sim GitLab; 0 picks one"),
  SIM_FLEET_FILE: z.string().optional().describe("YAML/JSON fleet file; without it a fleet is generated from SIM_SEED"),
  SIM_RATE: num(6).describe("pipelines per real minute; 0 = no workload"),
  SIM_BURST_PIPELINES: num(0).describe("pipelines enqueued at once in each burst, on top of SIM_RATE; 0 = no bursts"),
  SIM_BURST_EVERY_MINUTES: z.coerce.number().positive().default(30).describe("simulated minutes between bursts"),
  SIM_BURST_FIRST_AFTER_MINUTES: z.coerce.number().nonnegative().optional().describe("simulated minutes before the first burst (default SIM_BURST_EVERY_MINUTES)"),
  SIM_SPEED: z.coerce.number().positive().default(60).describe("simulated seconds per real second"),
  SIM_SEED: z.coerce.number().int().default(1),
  SIM_PRODUCTION_SHARE: z.coerce.number().min(0).max(1).default(0.3),
  SIM_LONG_POLL_MS: num(50_000),
  SIM_ENFORCE_JOB_TIMEOUT: z.enum(["true", "false"]).default("true").transform((v) => v === "true")
    .describe("drop running jobs past their timeout + 15 simulated minutes, as GitLab does"),
  SIM_BROKER_URL: z.string().url().optional().describe("where the sim runners poll (Switchyard's broker, or the sim GitLab)"),
  SIM_RUNNER_WORK: z.enum(["full", "light"]).default("full")
    .describe("what a sim runner does with a job: full = trace and simulated work, light = PUT running then the final PUT at once (benchmarks)"),
  SIM_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(0).describe("port of the sim runners' metrics server"),
  SIM_LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
});
export type SimEnv = z.infer<typeof simEnvSchema>;

/** Parses SIM_* variables, reporting every problem at once. */
export function parseSimEnv(env: NodeJS.ProcessEnv): Readonly<SimEnv> {
  const result = simEnvSchema.safeParse(env);
  if (!result.success) {
    throw new Error(`invalid sim environment:\n  - ${result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("\n  - ")}`);
  }
  return Object.freeze(result.data);
}
