import { defaultWeights } from "@switchyard/decision";
import { z } from "zod";

const bounds = z.object({ min: z.number().nonnegative(), max: z.number().nonnegative() })
  .refine((b) => b.min <= b.max, "min must not exceed max");

/** Config of outcome learning: weight tuning bounds and steps, trust-proposal thresholds. */
export const learningConfigSchema = z.object({
  intervalMs: z.number().int().positive().default(60_000).describe("how often weights are tuned and trust evidence evaluated"),
  freezeWeights: z.boolean().default(false).describe("never change weights (an operator can also SET the Redis key keys.weightsFrozen)"),
  initialWeights: z.record(z.string(), z.number().nonnegative()).default({ ...defaultWeights }).describe("weights before any are stored in Redis"),
  weightBounds: z.record(z.string(), bounds).default(Object.fromEntries(Object.keys(defaultWeights).map((p) => [p, { min: 0.1, max: 2 }])))
    .describe("per plugin min/max; a plugin without bounds is never tuned"),
  maxStepPerInterval: z.number().positive().default(0.05).describe("largest change of one weight per interval"),
  minSamples: z.number().int().positive().default(30).describe("joined outcomes a plugin needs before its weight moves"),
  deadband: z.number().min(0).max(1).default(0.1).describe("rank correlations closer to 0 than this are noise"),
  maxDecisions: z.number().int().positive().default(20_000).describe("decision ids remembered as learned from, so an outcome JetStream delivers twice is learned once"),
  maxRecords: z.number().int().positive().default(5_000).describe("joined decision+outcome records kept for the reports"),
  trust: z.object({
    minDecisions: z.number().int().positive().default(50),
    minEstimated: z.number().int().positive().default(20),
    promoteMaxMeanRegretSeconds: z.number().default(0),
    promoteMaxRejectionRate: z.number().min(0).max(1).default(0.05),
    demoteMinMeanRegretSeconds: z.number().default(30),
    demoteMinRejectionRate: z.number().min(0).max(1).default(0.25),
  }).prefault({}).describe("evidence thresholds for proposing a trust-tier promotion or demotion"),
  proposalCooldownMs: z.number().int().nonnegative().default(6 * 3600_000).describe("a class+tier proposal is repeated at most this often"),
});
export type LearningConfig = z.infer<typeof learningConfigSchema>;
