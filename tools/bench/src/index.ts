// Trace: format, parsing, deploy injection, GitLab export conversion.
export * from "./trace/trace-job.js";
export * from "./trace/csv.js";
export * from "./trace/parse-trace.js";
export * from "./trace/inject-deploys.js";
export * from "./trace/split-trace.js";
export * from "./trace/ci-variables.js";
export * from "./trace/rng.js";
export * from "./convert/gitlab-jobs.js";
// Fleet and simulator.
export * from "./fleet/fleet.js";
export * from "./sim/types.js";
export * from "./sim/simulate.js";
// Policies under test, and the reservation proposal.
export * from "./policies/fifo.js";
export * from "./policies/fair.js";
export * from "./policies/class-priority.js";
export * from "./policies/switchyard.js";
export * from "./policies/headroom.js";
export * from "./bench/policy-set.js";
export * from "./bench/policy-bench.js";
export * from "./bench/tune.js";
// Reports.
export * from "./report/stats.js";
export * from "./report/summarize.js";
export * from "./report/goal.js";
export * from "./report/table.js";
export * from "./report/results-json.js";
export * from "./report/cdf-svg.js";
