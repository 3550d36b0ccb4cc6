import type { ClassRules } from "@switchyard/decision";
import type { FleetSpec } from "../fleet/fleet.js";
import type { TraceJob } from "../trace/trace-job.js";
import { runPolicyBench, type LoadSpec } from "./policy-bench.js";
import { shippedSettings, standardPolicies, type SwitchyardSettings } from "./policy-set.js";

/** One candidate setting of the tuning grid, and the goals it met per load. */
export interface TuneRow {
  label: string;
  perLoad: { load: string; met: number; measured: number; meanOverFifo: number }[];
}

/**
 * The grid the shipped defaults were chosen from: class head start, duration shift and cap, speed
 * weight. Run on the tuning half only (`--tune`); the held-out half never takes part.
 */
export function tuningGrid(): { label: string; settings: SwitchyardSettings }[] {
  const out: { label: string; settings: SwitchyardSettings }[] = [];
  for (const spw of [60, 600]) for (const perRunSecond of [0, 1]) for (const maxSeconds of [1200, 2400]) for (const speed of [0.8, 2]) {
    if (perRunSecond === 0 && maxSeconds !== 1200) continue;
    const order = { ...shippedSettings.order, secondsPerWeightPoint: spw, durationShift: { ...shippedSettings.order.durationShift, perRunSecond, maxSeconds } };
    out.push({
      label: `${spw} s/point, shift ${perRunSecond ? `${perRunSecond}/s cap ${maxSeconds} s` : "off"}, speed ${speed}`,
      settings: { ...shippedSettings, order, weights: { ...shippedSettings.weights, speed } },
    });
  }
  return out;
}

/** Replays every grid point on `trace` at `loads` and counts the goals met by "switchyard". */
export function tune(input: { trace: readonly TraceJob[]; fleet: FleetSpec; rules: ClassRules; loads: readonly LoadSpec[]; sliSeconds: number; targetFifoP95S: number; progress: (line: string) => void }): TuneRow[] {
  // Calibrate once so every grid point sees the same loads.
  const calibrated = runPolicyBench({ ...input, policies: standardPolicies().filter((p) => p.name === "fifo"), topClass: "production-deploy", progress: () => {} })
    .map((l, i): LoadSpec => ({ name: input.loads[i]!.name, compression: l.compression }));
  return tuningGrid().map(({ label, settings }) => {
    const policies = standardPolicies(settings).filter((p) => ["fifo", "priority", "switchyard"].includes(p.name));
    const loads = runPolicyBench({ ...input, loads: calibrated, policies, topClass: "production-deploy", progress: () => {} });
    const row: TuneRow = {
      label,
      perLoad: loads.map((l) => {
        const lines = l.goal.find((g) => g.policy === "switchyard")?.lines ?? [];
        const fifo = l.runs.find((r) => r.summary.policy === "fifo")!.summary.overall.mean;
        const sy = l.runs.find((r) => r.summary.policy === "switchyard")!.summary.overall.mean;
        return { load: l.name, met: lines.filter((x) => x.met === true).length, measured: lines.filter((x) => x.met !== null).length, meanOverFifo: fifo > 0 ? sy / fifo : 1 };
      }),
    };
    input.progress(`  ${label.padEnd(46)} ${row.perLoad.map((p) => `${p.load} ${p.met}/${p.measured} met, mean ×${p.meanOverFifo.toFixed(2)}`).join("; ")}`);
    return row;
  });
}
