import { z } from "zod";
import { defaultClassRules } from "@switchyard/decision";
import { baseConfigSchema } from "@switchyard/runtime";

const name = z.string().regex(/^[A-Za-z0-9_-]+$/).max(128);
/** The job classes of the built-in rules: what `tier` accepts when no assigner has recorded its own. */
export const BUILT_IN_CLASSES: readonly string[] = [...new Set(defaultClassRules.map((r) => r.jobClass ?? r.name))];
/** The compose and demo fleets' pools: what `add-runner` accepts when no assigner has recorded its own. */
export const DEMO_POOLS: readonly string[] = ["linux", "gpu", "windows"];

/** What the CLI needs: where NATS and Redis are, the prefixes, the broker URL runners use, and the names it validates against. */
export const cliConfigSchema = baseConfigSchema.pick({ natsUrl: true, redisUrl: true, redisSentinels: true, redisSentinelName: true, redisSentinelPassword: true, subjectPrefix: true, keyPrefix: true, logLevel: true }).extend({
  brokerUrl: z.url().optional().describe("URL downstream runners use for Switchyard; default: the running assigner's publicUrl"),
  operator: z.string().min(1).max(128).default(process.env.USER ?? "operator").describe("the name recorded beside the NATS user with every approval (not verified)"),
  answerTimeoutMs: z.coerce.number().int().positive().default(5_000).describe("how long approve/reject wait for an assigner's answer"),
  pools: z.array(name).min(1).optional().describe("pool names add-runner accepts (env SWITCHYARD_POOLS as JSON); default: the running assigner's, else the demo fleet's"),
  gitlabUrl: z.url().optional().describe("GitLab's base URL for what-if (or --url)"),
  gitlabToken: z.string().min(1).optional().describe("read_api token what-if sends as PRIVATE-TOKEN (env SWITCHYARD_GITLAB_TOKEN or SWITCHYARD_GITLAB_TOKEN_FILE; secret: never printed)"),
  jobClasses: z.array(name).min(1).optional().describe("job classes `tier` accepts (env SWITCHYARD_JOB_CLASSES as JSON); default: the running assigner's, else the built-in rules'"),
});
export type CliConfig = z.infer<typeof cliConfigSchema>;
