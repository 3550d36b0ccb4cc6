import { z } from "zod";
import { compilePoolScaling, poolScalingSchema } from "./scaling-policy.js";

/** Which provisioner creates machines: the local simulation, an executable, or a module. */
export const provisionerConfigSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("local") }),
  z.object({
    kind: z.literal("exec"),
    command: z.string().min(1).describe("executable speaking JSON on stdin/stdout (see examples/provisioner.sh)"),
    args: z.array(z.string()).default([]),
    timeoutMs: z.number().int().positive().default(60_000),
    env: z.record(z.string(), z.string()).default({}),
  }),
  z.object({
    kind: z.literal("module"),
    module: z.string().min(1).describe("path of an ES module exporting a Provisioner or a factory ({ owner }) => Provisioner"),
    export: z.string().default("default"),
  }),
]);
export type ProvisionerConfig = z.infer<typeof provisionerConfigSchema>;

/** Autoscaling: off unless pools are configured. */
export const autoscalingConfigSchema = z.object({
  provisioner: provisionerConfigSchema.default({ kind: "local" }),
  pools: z.array(poolScalingSchema).default([]).superRefine((pools, ctx) => {
    pools.forEach((p, i) => {
      try {
        compilePoolScaling(p);
      } catch (err) {
        ctx.addIssue({ code: "custom", path: [i, "policies"], message: (err as Error).message });
      }
    });
  }),
  intervalMs: z.number().int().positive().default(10_000).describe("how often each pool is evaluated"),
  leaseTtlMs: z.number().int().positive().default(30_000).describe("a pool's lease lapses this long after its holder stops renewing"),
  ownerTtlMs: z.number().int().positive().default(30_000).describe("TTL of the optimizer's Redis heartbeat; past it its machines are orphans"),
  orphans: z.enum(["destroy", "adopt"]).default("destroy").describe("what happens to idle machines of an optimizer whose heartbeat expired"),
}).refine((a) => a.leaseTtlMs > a.intervalMs && a.ownerTtlMs > a.intervalMs, "leaseTtlMs and ownerTtlMs must exceed intervalMs (renewed every interval)");
export type AutoscalingConfig = z.infer<typeof autoscalingConfigSchema>;
