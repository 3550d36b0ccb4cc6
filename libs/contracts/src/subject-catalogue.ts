import type { NatsUser } from "./nats-permissions.js";

/**
 * Who publishes and who consumes each subject, as NATS users. The permission table
 * (`nats-permissions.ts`) must allow it and docs/ARCHITECTURE.md's subject table must say it
 * (libs/runtime/test/architecture-doc.test.ts checks both).
 */
export interface SubjectEntry {
  /** The subject as the doc writes it (`<p>` = prefix). */
  readonly pattern: string;
  readonly publishers: readonly NatsUser[];
  /** Subscribers in Switchyard; empty when nobody subscribes (request replies go to the asker's inbox). */
  readonly consumers: readonly NatsUser[];
}

/** The subject catalogue, in the doc's order. */
export const subjectCatalogue: readonly SubjectEntry[] = [
  { pattern: "<p>.runner.state.<runner>", publishers: ["monitor"], consumers: ["scorer"] },
  { pattern: "<p>.job.batch.<pool>", publishers: ["assigner"], consumers: ["scorer"] },
  { pattern: "<p>.job.queued.<pool>", publishers: ["assigner"], consumers: ["scorer"] },
  { pattern: "<p>.job.scored.<pool>", publishers: ["scorer"], consumers: [] },
  { pattern: "<p>.decision.<pool>", publishers: ["assigner"], consumers: ["cli"] },
  { pattern: "<p>.job.outcome.<pool>", publishers: ["assigner"], consumers: ["optimizer", "scorer"] },
  { pattern: "<p>.approval.request.<class>", publishers: ["assigner"], consumers: ["cli"] },
  { pattern: "<p>.approval.answer.<principal>", publishers: ["cli", "monitor"], consumers: ["assigner"] },
  { pattern: "<p>.weights.update", publishers: ["optimizer"], consumers: ["scorer"] },
  { pattern: "<p>.heartbeat.<agent>", publishers: ["assigner", "scorer", "monitor", "optimizer"], consumers: ["monitor"] },
  { pattern: "<p>.event.<kind>", publishers: ["monitor", "optimizer", "assigner", "cli"], consumers: ["cli", "optimizer"] },
  { pattern: "<p>.deadletter.<contract>", publishers: ["assigner", "scorer", "monitor", "optimizer", "cli"], consumers: ["cli"] },
  { pattern: "<p>.internal.wake.<runner>", publishers: ["assigner"], consumers: ["assigner"] },
];
