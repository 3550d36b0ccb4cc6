import type { Decision, JobOutcome } from "@switchyard/contracts";
import type { NatsConnection } from "@switchyard/runtime";
import { subjects } from "@switchyard/contracts";

/** What the bench saw on NATS during one window. */
export interface ObservedWindow {
  decisions: number;
  /** decidedAt − queuedAt per decision (ms): broker took the job from GitLab → decision made. */
  queuedToDecided: number[];
  /** The same for rule-mode decisions only. */
  ruleQueuedToDecided: number[];
  /** The decision's own latencyMs: time to decide once a runner was free. */
  decide: number[];
  /** Job offered to the sim GitLab → decision received by the bench (ms); jobs this bench offered only. */
  offeredToDecision: number[];
  /** Job offered → its runner accepted it (outcome phase "started", ms). */
  handoff: number[];
  byMode: Record<string, number>;
  started: number;
  finished: number;
}

/** Subscribes to decisions and outcomes of a prefix; `cut()` returns what arrived since the last cut. */
export interface Observer {
  cut(): ObservedWindow;
  /** Started minus finished jobs right now: jobs on runners. */
  running(): number;
  totals(): { decisions: number; started: number; finished: number };
  stop(): void;
}

export interface ObserverDeps {
  nc: NatsConnection;
  prefix: string;
  offeredAt: (jobId: number) => number | undefined;
  now?: () => number;
}

function emptyWindow(): ObservedWindow {
  return { decisions: 0, queuedToDecided: [], ruleQueuedToDecided: [], decide: [], offeredToDecision: [], handoff: [], byMode: {}, started: 0, finished: 0 };
}

export function createObserver(deps: ObserverDeps): Observer {
  const now = deps.now ?? Date.now;
  const s = subjects(deps.prefix);
  let win = emptyWindow();
  const totals = { decisions: 0, started: 0, finished: 0 };
  // The bench trusts the agents' own schema checks; it only reads fields, to stay light.
  const subs: ReturnType<NatsConnection["subscribe"]>[] = [
    deps.nc.subscribe(s.decisionAll, {
      callback: (err, msg) => {
        if (err) return;
        const d = msg.json<Decision>();
        const seen = now();
        win.decisions++;
        totals.decisions++;
        win.byMode[d.mode] = (win.byMode[d.mode] ?? 0) + 1;
        const q = d.decidedAt - d.queuedAt;
        win.queuedToDecided.push(q);
        if (d.mode === "rule") win.ruleQueuedToDecided.push(q);
        win.decide.push(d.latencyMs);
        const offered = deps.offeredAt(d.jobId);
        if (offered !== undefined) win.offeredToDecision.push(seen - offered);
      },
    }),
    deps.nc.subscribe(s.jobOutcomeAll, {
      callback: (err, msg) => {
        if (err) return;
        const o = msg.json<JobOutcome>();
        if (o.phase === "started") {
          win.started++;
          totals.started++;
          const offered = deps.offeredAt(o.jobId);
          if (offered !== undefined) win.handoff.push(o.at - offered);
        } else {
          win.finished++;
          totals.finished++;
        }
      },
    }),
  ];
  return {
    cut() {
      const out = win;
      win = emptyWindow();
      return out;
    },
    running: () => totals.started - totals.finished,
    totals: () => ({ ...totals }),
    stop() { for (const sub of subs) sub.unsubscribe(); },
  };
}
