import type { TraceJob } from "./trace-job.js";

/**
 * Splits a trace in two by time at a pipeline boundary: pipelines ordered by their first job's
 * created time, the first half holds the earliest pipelines up to half of the jobs. A pipeline
 * (with its injected deploy) is never cut in two. Defaults are tuned on the first half and
 * reported on the second, so a figure is never judged on the data that chose it.
 */
export function splitTraceInHalves(trace: readonly TraceJob[]): [TraceJob[], TraceJob[]] {
  const start = new Map<number, number>();
  const size = new Map<number, number>();
  for (const j of trace) {
    if (!j.afterPipeline) start.set(j.pipelineId, Math.min(start.get(j.pipelineId) ?? Infinity, j.createdAt));
    size.set(j.pipelineId, (size.get(j.pipelineId) ?? 0) + 1);
  }
  const order = [...size.keys()].sort((a, b) => (start.get(a) ?? Infinity) - (start.get(b) ?? Infinity) || a - b);
  const first = new Set<number>();
  let taken = 0;
  for (const id of order) {
    if (taken >= trace.length / 2) break;
    first.add(id);
    taken += size.get(id)!;
  }
  return [trace.filter((j) => first.has(j.pipelineId)), trace.filter((j) => !first.has(j.pipelineId))];
}
