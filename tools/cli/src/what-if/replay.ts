import { compileClassRules, defaultClassRules } from "@switchyard/decision";
import { runPolicyBench, standardPolicies, type FleetSpec, type LoadRun, type TraceJob } from "@switchyard/bench";

/** The policies a what-if compares: GitLab's two orders, naive priority and Switchyard's shipped defaults. */
export const WHAT_IF_POLICIES = ["fifo", "fair", "priority", "switchyard"] as const;

/** The class the report puts first, as the policy bench's goal does. */
export const TOP_CLASS = "production-deploy";

/**
 * Replays the history as it arrived (no compression) on the given runners under each policy, with
 * the agents' own class rules and defaults: the same code path as `npm run bench:policy`.
 */
export function replayHistory(jobs: readonly TraceJob[], fleet: FleetSpec, sliSeconds: number): LoadRun {
  const policies = standardPolicies().filter((p) => (WHAT_IF_POLICIES as readonly string[]).includes(p.name));
  const [load] = runPolicyBench({
    trace: jobs, fleet, rules: compileClassRules(defaultClassRules), policies,
    loads: [{ name: "as recorded", compression: 1 }], sliSeconds, targetFifoP95S: 600, topClass: TOP_CLASS, progress: () => undefined,
  });
  return load!;
}
