import type { ScalingPolicy } from "./scaling-policy.js";

/** One provisioned machine as the planner sees it. */
export interface PlannedMachine {
  id: string;
  /** creating machines count as capacity; deleting/deleted/failed ones do not. */
  state: "creating" | "running" | "deleting" | "deleted" | "failed";
  running: number;
  jobsRun: number;
  /** Since when it has run nothing (epoch ms); null while busy. */
  idleSince: number | null;
}

/** Jobs waiting in one class of a pool's queue. */
export interface ClassBacklog {
  jobClass: string;
  weight: number;
  waiting: number;
}

/** What the planner knows about one pool. */
export interface PoolScalingState {
  machines: readonly PlannedMachine[];
  backlog: readonly ClassBacklog[];
  /** Free slots on runners not backed by a provisioned machine (a fixed fleet). */
  staticFreeSlots: number;
}

/** What to do now, and why (one reason per action, readable by an operator). */
export interface ScalingPlan {
  create: number;
  destroy: string[];
  reasons: string[];
}

const USABLE = new Set(["creating", "running"]);

/**
 * Decides creates and destroys for one pool. Recycles idle machines past maxUseCount; scales out for the
 * backlog plus `idleCount` free slots, covering classes in weight order (highest first) when `maxMachines`
 * caps the growth; scales in only machines idle for at least `idleTimeMs`, oldest idle first, never below
 * `minMachines` nor below the idle slots the policy keeps.
 */
export function planScaling(state: PoolScalingState, policy: ScalingPolicy, now: number): ScalingPlan {
  const cap = policy.capacityPerMachine;
  const reasons: string[] = [];
  const destroy: string[] = [];
  const live = state.machines.filter((m) => USABLE.has(m.state));
  const worn = (m: PlannedMachine) => policy.maxUseCount > 0 && m.jobsRun >= policy.maxUseCount;
  for (const m of live) {
    if (worn(m) && m.running === 0) {
      destroy.push(m.id);
      reasons.push(`recycle ${m.id}: ran ${m.jobsRun} jobs (max_use_count ${policy.maxUseCount})`);
    }
  }
  // A worn machine still busy finishes its jobs but gets no new capacity credit.
  const usable = live.filter((m) => !worn(m));
  const freeSlots = state.staticFreeSlots + usable.reduce((sum, m) => sum + Math.max(0, cap - m.running), 0);
  const byWeight = [...state.backlog].filter((b) => b.waiting > 0).sort((a, b) => b.weight - a.weight || a.jobClass.localeCompare(b.jobClass));
  const waiting = byWeight.reduce((sum, b) => sum + b.waiting, 0);
  const shortSlots = waiting + policy.idleCount - freeSlots;

  let create = 0;
  if (shortSlots > 0) {
    const wanted = Math.ceil(shortSlots / cap);
    create = Math.max(0, Math.min(wanted, policy.maxMachines - usable.length));
    if (create > 0) reasons.push(...coverage(byWeight, freeSlots, create * cap, policy.idleCount));
    if (create < wanted) reasons.push(`capped at max ${policy.maxMachines} machines: ${wanted - create} more wanted`);
  }
  if (usable.length + create < policy.minMachines) {
    const extra = policy.minMachines - usable.length - create;
    create += extra;
    reasons.push(`keep min ${policy.minMachines} machines: +${extra}`);
  }
  if (create > 0) return { create, destroy, reasons };

  // Scale in: remove whole idle machines while the remaining free slots still cover backlog + idleCount.
  let surplus = freeSlots - waiting - policy.idleCount;
  let remaining = usable.length;
  const idle = usable
    .filter((m) => m.state === "running" && m.running === 0 && m.idleSince !== null && now - m.idleSince >= policy.idleTimeMs)
    .sort((a, b) => (a.idleSince ?? 0) - (b.idleSince ?? 0) || a.id.localeCompare(b.id));
  for (const m of idle) {
    if (surplus < cap || remaining <= policy.minMachines) break;
    destroy.push(m.id);
    surplus -= cap;
    remaining -= 1;
    reasons.push(`scale in ${m.id}: idle ${Math.round((now - (m.idleSince ?? now)) / 1000)} s (idle_time ${Math.round(policy.idleTimeMs / 1000)} s)`);
  }
  return { create, destroy, reasons };
}

/** Explains which classes the new capacity is for, highest weight first. */
function coverage(byWeight: readonly ClassBacklog[], freeSlots: number, newSlots: number, idleCount: number): string[] {
  const reasons: string[] = [];
  let slots = freeSlots + newSlots;
  for (const b of byWeight) {
    const served = Math.min(b.waiting, Math.max(0, slots));
    slots -= b.waiting;
    reasons.push(`scale out for ${b.jobClass} (weight ${b.weight}): ${served}/${b.waiting} waiting jobs covered`);
  }
  if (idleCount > 0) reasons.push(`keep ${idleCount} idle slots`);
  return reasons;
}
