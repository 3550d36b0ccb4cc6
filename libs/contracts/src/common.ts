import { z } from "zod";

/** Epoch milliseconds. */
export const EpochMs = z.number().int().nonnegative();
/** A pool or runner id usable as a NATS subject token. */
export const Token = z.string().regex(/^[A-Za-z0-9_-]+$/, "must be [A-Za-z0-9_-]+").max(128);
export const JobId = z.number().int().positive();

/** How a decision was made. */
export const DecisionMode = { rule: "rule", llm: "llm", fifoFallback: "fifo-fallback" } as const;
export type DecisionMode = (typeof DecisionMode)[keyof typeof DecisionMode];
export const DecisionModeSchema = z.enum(["rule", "llm", "fifo-fallback"]);

/** How far a job class trusts Switchyard's decisions. */
export const TrustTier = { advisory: "advisory", supervised: "supervised", autonomous: "autonomous" } as const;
export type TrustTier = (typeof TrustTier)[keyof typeof TrustTier];
export const TrustTierSchema = z.enum(["advisory", "supervised", "autonomous"]);

/** Runner status as GitLab's REST API reports it, plus `unknown` before the first read. */
export const RunnerStatusSchema = z.enum(["online", "offline", "stale", "never_contacted", "unknown"]);
export type RunnerStatus = z.infer<typeof RunnerStatusSchema>;

/** Terminal and live job states Switchyard reports. */
export const JobStatusSchema = z.enum(["running", "success", "failed", "canceled"]);
export type JobStatus = z.infer<typeof JobStatusSchema>;
