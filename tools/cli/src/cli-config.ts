import { z } from "zod";
import { defaultClassRules } from "@switchyard/decision";
import { baseConfigSchema } from "@switchyard/runtime";

const name = z.string().regex(/^[A-Za-z0-9_-]+$/).max(128);
const builtInClasses = [...new Set(defaultClassRules.map((r) => r.jobClass ?? r.name))];

/** What the CLI needs: where NATS and Redis are, the prefixes, the broker URL runners use, and the names it validates against. */
export const cliConfigSchema = baseConfigSchema.pick({ natsUrl: true, redisUrl: true, subjectPrefix: true, keyPrefix: true, logLevel: true }).extend({
  brokerUrl: z.string().default("http://switchyard.example.com:8080").describe("URL downstream runners use for Switchyard"),
  operator: z.string().min(1).max(128).default(process.env.USER ?? "operator").describe("the name recorded beside the NATS user with every approval (not verified)"),
  answerTimeoutMs: z.coerce.number().int().positive().default(5_000).describe("how long approve/reject wait for an assigner's answer"),
  pools: z.array(name).min(1).default(["linux", "gpu", "windows"]).describe("the assigner's pool names, which add-runner accepts (env SWITCHYARD_POOLS as JSON)"),
  jobClasses: z.array(name).min(1).default(builtInClasses).describe("job classes `tier` accepts; defaults to the built-in rules' classes (env SWITCHYARD_JOB_CLASSES as JSON)"),
});
export type CliConfig = z.infer<typeof cliConfigSchema>;
