// Classification: CI variables → job class, weight, trust tier.
export * from "./classify/rule-spec.js";
export * from "./classify/default-rules.js";
export * from "./classify/compile.js";
export * from "./classify/classify.js";
// Queue order: static ZSET key plus the dynamic pick among the head.
export * from "./queue-order/config.js";
export * from "./queue-order/config-schema.js";
export * from "./queue-order/queue-key.js";
export * from "./queue-order/pick-next.js";
// Expected run times learned from finished jobs (the optimizer live, the replay offline).
export * from "./duration/learn-duration.js";
export * from "./duration/duration-book.js";
// Scoring: filter → score → weighted sum, kube-scheduler style.
export * from "./scoring/types.js";
export * from "./scoring/registry.js";
export * from "./scoring/score-job.js";
// Placement: one job onto one of the asking runners, as values (the dispatcher and the replay run it).
export * from "./placement/types.js";
export * from "./placement/job-queued.js";
export * from "./placement/rule-choice.js";
export * from "./placement/deploy-order.js";
export * from "./placement/fifo.js";
export * from "./placement/approval.js";
export * from "./placement/tie-break.js";
export * from "./placement/tiers.js";
export * from "./placement/place-job.js";
// Capacity: how many machines an autoscaled pool needs now (the optimizer live, the replay offline).
export * from "./capacity/plan-scaling.js";
export * from "./capacity/warm-reserve.js";
// Shadow FIFO: what GitLab's FIFO would have given the jobs Switchyard placed (the optimizer live).
export * from "./shadow/shadow-fifo.js";
export * from "./shadow/wait-summary.js";
// What an outcome means for its runner: its fault, the job's, or nobody's (the scorer and the learner).
export * from "./outcome/runner-fault.js";
