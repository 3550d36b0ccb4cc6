/**
 * A warm reserve: idle slots of an autoscaled pool that only urgent classes may take. The optimizer's
 * planner keeps them (on top of the backlog and `idleCount`), the dispatcher keeps other jobs off them,
 * and the replay does both with these same functions. Unlike gitlab-runner's `idle_count`, which any
 * job consumes (so a production deploy arriving behind a backlog still waits for a boot), the reserve
 * is there when the urgent job comes, and it is sized from the pool's own urgent traffic: none while no
 * urgent job ran in the pool for `windowMs`, else enough to cover the urgent arrivals expected during
 * one boot (the time the planner needs to replace a slot the reserve gave away).
 */
export interface WarmReserveConfig {
  /** Classes of at least this weight are urgent: they may take reserved slots and their starts size the reserve. */
  minWeight: number;
  /** Most reserved slots; 0 turns the reserve off. */
  maxSlots: number;
  /** Urgent starts within this window (ms) give the arrival rate; none in it = no reserve. */
  windowMs: number;
  /** How long a new machine takes to join the pool (ms). */
  bootMs: number;
  /**
   * Largest accepted chance that more urgent jobs arrive during one boot than the reserve holds
   * (arrivals counted as Poisson at the window's rate).
   */
  missProbability: number;
}

/**
 * Production deploys (weight 100) only, at most 2 slots, a day of memory, a 60 s boot, 5% misses.
 * A day keeps the reserve across a quiet night between two working days' deploys and drops it over
 * a weekend; the window was chosen on the first half of the bundled trace (tools/bench README).
 */
export const defaultWarmReserveConfig: WarmReserveConfig = Object.freeze({
  minWeight: 100,
  maxSlots: 2,
  windowMs: 24 * 3_600_000,
  bootMs: 60_000,
  missProbability: 0.05,
});

/**
 * Slots to hold for urgent jobs now, given when urgent jobs started in the pool (epoch ms, any order).
 * 0 when the reserve is off or no urgent job started within the window; otherwise the smallest k ≥ 1
 * with P(Poisson(rate × boot) ≥ k) ≤ missProbability, at most `maxSlots`. Non-decreasing in the number
 * of recent urgent starts and in the boot time.
 */
export function warmReserveSlots(urgentStarts: readonly number[], now: number, cfg: WarmReserveConfig): number {
  if (cfg.maxSlots <= 0 || !(cfg.windowMs > 0)) return 0;
  let recent = 0;
  for (const at of urgentStarts) if (at <= now && now - at <= cfg.windowMs) recent++;
  if (recent === 0) return 0;
  const mean = (recent / cfg.windowMs) * Math.max(0, cfg.bootMs);
  // P(N ≥ k) = 1 − P(N ≤ k − 1); k = 1 covers the first arrival, each further slot one more in the boot.
  let k = 1;
  let term = Math.exp(-mean); // P(N = 0)
  let cdf = term; // P(N ≤ k − 1)
  while (k < cfg.maxSlots && 1 - cdf > cfg.missProbability) {
    term *= mean / k;
    cdf += term;
    k++;
  }
  return Math.min(k, cfg.maxSlots);
}

/** True when a job of this weight may take one of `freeSlots` free slots while `reserved` are held for urgent jobs. */
export function mayTakeSlot(weight: number, freeSlots: number, reserved: number, minWeight: number): boolean {
  return freeSlots > 0 && (weight >= minWeight || freeSlots > reserved);
}
