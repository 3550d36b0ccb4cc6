import { z } from "zod";
import { defaultQueueOrderConfig as d, type QueueOrderConfig } from "./config.js";

/**
 * Validates the queue-order settings (the assigner's `queueOrder`), each with the shipped default. The
 * head size is not among them: it is the assigner's top-level `headSize`, which also sizes the queue
 * read per round, so one setting serves both (a second `queueOrder` key was accepted and ignored).
 */
export const queueOrderConfigSchema = z.object({
  secondsPerWeightPoint: z.number().nonnegative().default(d.secondsPerWeightPoint)
    .describe("head start per class-weight point (s): a class 10 points higher is served first unless the other job waited 10 × this longer"),
  fairnessPenaltySecondsPerRunningJob: z.number().nonnegative().default(d.fairnessPenaltySecondsPerRunningJob)
    .describe("delay per job the project already runs (fairness between projects)"),
  fairnessPenaltyMaxSeconds: z.number().nonnegative().default(d.fairnessPenaltyMaxSeconds).describe("cap on the fairness delay"),
  highClassBudget: z.object({
    minWeight: z.number().nonnegative().default(d.highClassBudget.minWeight),
    perProjectPerHour: z.number().int().nonnegative().default(d.highClassBudget.perProjectPerHour),
    demotedWeight: z.number().nonnegative().default(d.highClassBudget.demotedWeight),
  }).prefault({}).describe("jobs of weight ≥ minWeight beyond perProjectPerHour an hour count at demotedWeight"),
  durationShift: z.object({
    perRunSecond: z.number().nonnegative().default(d.durationShift.perRunSecond)
      .describe("seconds of later virtual arrival per expected run second (shortest expected first); 0 = off"),
    maxSeconds: z.number().nonnegative().default(d.durationShift.maxSeconds)
      .describe("cap on the shift: a job is overtaken only by same-class jobs arriving less than this after it"),
    unknownSeconds: z.number().nonnegative().default(d.durationShift.unknownSeconds)
      .describe("shift of a job whose name has no learned run time yet"),
    maxWeight: z.number().nonnegative().default(d.durationShift.maxWeight)
      .describe("only classes of at most this weight shift; higher classes keep arrival order"),
  }).prefault({}).describe("duration-aware ordering within a class band, from the run times the optimizer learns"),
}) satisfies z.ZodType<Omit<QueueOrderConfig, "headSize">, unknown>;
