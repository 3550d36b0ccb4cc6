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
// Deciding helpers.
export * from "./decide/margin.js";
export * from "./decide/explain.js";
