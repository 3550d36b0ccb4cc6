import { SCORER_QUEUE_GROUP } from "@switchyard/contracts";
import { defaultWeights } from "@switchyard/decision";
import { baseConfigSchema, configFlag, metricPoolsSchema } from "@switchyard/runtime";
import { z } from "zod";

/** The scorer's settings: env SWITCHYARD_<KEY> or the SWITCHYARD_CONFIG file. */
export const scorerConfigSchema = baseConfigSchema.extend({
  weights: z.record(z.string().max(64), z.number().nonnegative()).default({})
    .describe("plugin weights (JSON), merged over the defaults; used until the optimizer publishes some (stored weights in Redis win)")
    .transform((w): Record<string, number> => ({ ...defaultWeights, ...w })),
  queueGroup: z.string().min(1).max(128).default(SCORER_QUEUE_GROUP).describe("NATS queue group scorers share jobs in"),
  runnerCacheRefreshMs: z.coerce.number().int().min(50).default(2_000).describe("how often the runner-state cache reloads from Redis"),
  maxCandidates: z.coerce.number().int().min(1).max(1000).default(50).describe("candidates kept in a reply, best first"),
  maxRejections: z.coerce.number().int().min(0).max(1000).default(100).describe("rejected runners kept in a reply"),
  pools: metricPoolsSchema,
  publishScored: configFlag.default(false)
    .describe("also publish every scored reply on job.scored.<pool> for observers (nobody in Switchyard reads it; costs a publish per job)"),
  statsWindow: z.coerce.number().int().min(1).max(1000).default(50).describe("recent outcomes per runner behind its success rate"),
});
export type ScorerConfig = z.infer<typeof scorerConfigSchema>;
