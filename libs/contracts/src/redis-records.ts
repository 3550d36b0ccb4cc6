/**
 * Every Redis key pattern Switchyard uses, with its one owning writer, its readers and the record
 * schema other agents read it with. `libs/runtime/src/redis-keys.ts` builds the keys; docs/ARCHITECTURE.md's
 * key table must say the same (libs/runtime/test/architecture-doc.test.ts checks both).
 */
export interface RedisRecordEntry {
  /** The redisKeys() member(s) that build this key. */
  readonly keys: readonly string[];
  /** The key as the doc writes it (`<p>` = prefix). */
  readonly pattern: string;
  /** The one writer. */
  readonly owner: string;
  readonly readers: readonly string[];
  /** Schema in libs/contracts other agents parse it with, when it crosses agents. */
  readonly schema?: string;
}

const e = (pattern: string, keys: string[], owner: string, readers: string[] = [], schema?: string): RedisRecordEntry =>
  ({ pattern, keys, owner, readers, ...(schema ? { schema } : {}) });

/** The key catalogue, in the doc's order. */
export const redisRecords: readonly RedisRecordEntry[] = [
  e("<p>:runners", ["runners"], "monitor", ["scorer", "assigner", "dashboard", "optimizer"], "RunnerStateV1 (optimizer: RunnerLoadV1)"),
  e("<p>:registry", ["runnerRegistry"], "CLI", ["assigner"]),
  e("<p>:registry:tokens", ["runnerTokens"], "CLI", ["assigner"]),
  e("<p>:jobs", ["jobs"], "assigner"),
  e("<p>:jobs:meta", ["jobMeta"], "assigner", ["dashboard", "optimizer"], "HeldJobMetaV1 (optimizer, npm start: QueuedJobLoadV1)"),
  e("<p>:queue:<pool>", ["queue"], "assigner"),
  e("<p>:held:<pool>", ["held"], "assigner"),
  e("<p>:reserved:<runner>", ["reserved"], "assigner"),
  e("<p>:reservations", ["reservationDeadlines"], "assigner"),
  e("<p>:collected:<poll>", ["collected"], "assigner"),
  e("<p>:handoffs", ["handoffs"], "assigner", ["dashboard"], "HandoffV1 (decodeHandoff)"),
  e("<p>:outbox:outcomes", ["outcomeOutbox"], "assigner"),
  e("<p>:polling:<pool>", ["polling"], "assigner"),
  e("<p>:runner-versions", ["runnerVersions"], "assigner"),
  e("<p>:features:<pool>", ["runnerFeatures"], "assigner"),
  e("<p>:system-ids", ["systemIds"], "assigner"),
  e("<p>:runner-contacts", ["runnerContacts"], "assigner", ["monitor"], "RunnerContactV1"),
  e("<p>:project-load:<pool>", ["projectLoad"], "assigner"),
  e("<p>:high-class:<pool>", ["highClassDispatches"], "assigner", ["optimizer"], "HighClassDispatchV1 (decodeHighClassDispatch)"),
  e("<p>:deploys:<project>:<environment>", ["deployOrder"], "assigner"),
  e("<p>:tiers", ["tierOverrides"], "CLI", ["assigner"]),
  e("<p>:load", ["runnerLoad"], "assigner"),
  e("<p>:seq:<pool>", ["sequence"], "assigner"),
  e("<p>:decisions:recent", ["recentDecisions"], "assigner", ["dashboard"], "DecisionV1"),
  e("<p>:breaker", ["breaker"], "assigner", ["dashboard"], "BreakerStateV1"),
  e("<p>:approvals:pending", ["pendingApprovals"], "assigner", ["dashboard"], "ApprovalRequestV1"),
  e("<p>:approvals:settled:<decision>", ["settledApproval"], "assigner"),
  e("<p>:llm:audit", ["llmAudit"], "assigner"),
  // The optimizer's learner only publishes weights.update; each scorer stores what it applies.
  e("<p>:weights", ["weights"], "scorer", ["scorer", "optimizer"], "WeightsRecordV1"),
  e("<p>:durations", ["durations"], "optimizer", ["assigner"], "DurationEstimatesV1"),
  e("<p>:shadow-fifo", ["shadowFifo"], "optimizer", ["dashboard", "npm start"], "ShadowFifoReportV1"),
  e("<p>:weights:frozen", ["weightsFrozen"], "operator", ["optimizer"]),
  e("<p>:optimizer:learning-report", ["learningReport"], "optimizer"),
  e("<p>:sli:summary:<pool>:<class>", ["sliSummary"], "optimizer", ["dashboard"], "SliSummaryV1"),
  e("<p>:sli:summary-index", ["sliSummaryIndex"], "optimizer", ["dashboard"], "SliSummaryIndexEntryV1"),
  e("<p>:sli:observed:<job>", ["sliObserved"], "optimizer"),
  e("<p>:warm-reserve:<pool>", ["warmReserve"], "optimizer", ["assigner"], "WarmReserveV1"),
  e("<p>:assigner:settings", ["assignerSettings"], "assigner", ["CLI"], "AssignerSettingsV1"),
  e("<p>:machines:<pool>", ["machines"], "optimizer"),
  e("<p>:machines:pools", ["machinePools"], "optimizer"),
  e("<p>:heartbeat:<agent>:<id>", ["heartbeat"], "optimizer, monitor, assigner"),
  e("<p>:lease:<name>", ["lease"], "optimizer, monitor, assigner"),
  e("<p>:jobs:seen:<job>", ["jobSeen"], "assigner"),
];
