/** The autoscaling policy in force for a pool at one moment (the optimizer compiles it from config). */
export interface ScalingPolicy {
  capacityPerMachine: number;
  minMachines: number;
  maxMachines: number;
  maxUseCount: number;
  idleCount: number;
  idleTimeMs: number;
  /**
   * Classes of at least this weight scale out at once; lighter ones count toward a new machine only
   * once a job has waited `scaleOutDelayMs` (they still take any free slot meanwhile). 0 = every class
   * at once, as gitlab-runner's autoscaler does.
   */
  urgentWeight: number;
  scaleOutDelayMs: number;
}

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
  /** When each waiting job became pending (epoch ms); without it every job counts as having waited. */
  arrivedAt?: readonly number[];
}

/** What the planner knows about one pool. */
export interface PoolScalingState {
  machines: readonly PlannedMachine[];
  backlog: readonly ClassBacklog[];
  /** Free slots on runners not backed by a provisioned machine (a fixed fleet). */
  staticFreeSlots: number;
  /** Idle slots held for urgent classes (`warmReserveSlots`), kept on top of the backlog and `idleCount`; absent = 0. */
  reservedSlots?: number;
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
 * backlog plus `idleCount` free slots plus the warm reserve (`reservedSlots`), covering classes in weight order (highest first) when `maxMachines`
 * caps the growth, with classes below `urgentWeight` counted only once they waited `scaleOutDelayMs`;
 * scales in only machines idle for at least `idleTimeMs`, oldest idle first, never below `minMachines`
 * nor below the idle slots the policy and the reserve keep.
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
  const demand = byWeight.map((b) => ({ ...b, waiting: scaleOutDemand(b, policy, now) }));
  const reserve = Math.max(0, state.reservedSlots ?? 0);
  const keep = policy.idleCount + reserve;
  const shortSlots = demand.reduce((sum, b) => sum + b.waiting, 0) + keep - freeSlots;
  for (const [i, b] of byWeight.entries()) {
    const held = b.waiting - demand[i]!.waiting;
    if (held > 0) reasons.push(`defer ${held} ${b.jobClass} jobs (weight ${b.weight} < ${policy.urgentWeight}) until they wait ${Math.round(policy.scaleOutDelayMs / 1000)} s`);
  }

  let create = 0;
  if (shortSlots > 0) {
    const wanted = Math.ceil(shortSlots / cap);
    create = Math.max(0, Math.min(wanted, policy.maxMachines - usable.length));
    if (create > 0) reasons.push(...coverage(demand.filter((b) => b.waiting > 0), freeSlots, create * cap, policy.idleCount, reserve));
    if (create < wanted) reasons.push(`capped at max ${policy.maxMachines} machines: ${wanted - create} more wanted`);
  }
  if (usable.length + create < policy.minMachines) {
    const extra = policy.minMachines - usable.length - create;
    create += extra;
    reasons.push(`keep min ${policy.minMachines} machines: +${extra}`);
  }
  if (create > 0) return { create, destroy, reasons };

  // Scale in: remove whole idle machines while the remaining free slots still cover backlog + idleCount.
  let surplus = freeSlots - waiting - keep;
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

/** Jobs of a class that ask for a new machine now: all of an urgent class, else those that waited the delay. */
function scaleOutDemand(b: ClassBacklog, policy: ScalingPolicy, now: number): number {
  if (b.weight >= policy.urgentWeight || policy.scaleOutDelayMs <= 0 || !b.arrivedAt) return b.waiting;
  let waited = 0;
  for (const at of b.arrivedAt) if (now - at >= policy.scaleOutDelayMs) waited++;
  return waited;
}

/** Explains which classes the new capacity is for, highest weight first. */
function coverage(byWeight: readonly ClassBacklog[], freeSlots: number, newSlots: number, idleCount: number, reserve: number): string[] {
  const reasons: string[] = [];
  let slots = freeSlots + newSlots;
  for (const b of byWeight) {
    const served = Math.min(b.waiting, Math.max(0, slots));
    slots -= b.waiting;
    reasons.push(`scale out for ${b.jobClass} (weight ${b.weight}): ${served}/${b.waiting} waiting jobs covered`);
  }
  if (idleCount > 0) reasons.push(`keep ${idleCount} idle slots`);
  if (reserve > 0) reasons.push(`keep ${reserve} slots reserved for urgent classes`);
  return reasons;
}
