/** One runner of the simulated fleet. `speed` 1 runs a job in its trace duration; 2 in half. */
export interface RunnerSpec {
  runnerId: string;
  pool: string;
  tags: string[];
  /** Concurrent jobs (gitlab-runner's `limit`). */
  limit: number;
  speed: number;
  cpus: number;
}

/** A runner shape; a pool's runners cycle through its shapes in order. */
export interface RunnerShape {
  name: string;
  limit: number;
  speed: number;
  cpus: number;
}

/** A fleet description: runners per pool (the load knob) built from a repeating list of shapes. */
export interface FleetSpec {
  runnersPerPool: Readonly<Record<string, number>>;
  shapes: readonly RunnerShape[];
}

/**
 * The default mix: alternating large (16 CPUs, 1.25× speed) and small (4 CPUs, 0.8× speed)
 * machines, two jobs at a time each. Mixed sizes are what make placement matter at all.
 */
export const defaultShapes: readonly RunnerShape[] = Object.freeze([
  { name: "large", limit: 2, speed: 1.25, cpus: 16 },
  { name: "small", limit: 2, speed: 0.8, cpus: 4 },
]);

/** Builds the runner list: pool order as given, runner ids `<pool>-<nn>-<shape>`. */
export function buildFleet(spec: FleetSpec): RunnerSpec[] {
  if (spec.shapes.length === 0) throw new Error("fleet: at least one runner shape is needed");
  const runners: RunnerSpec[] = [];
  for (const [pool, count] of Object.entries(spec.runnersPerPool)) {
    for (let i = 0; i < count; i++) {
      const shape = spec.shapes[i % spec.shapes.length]!;
      runners.push({
        runnerId: `${pool}-${String(i + 1).padStart(2, "0")}-${shape.name}`,
        pool, tags: [pool], limit: shape.limit, speed: shape.speed, cpus: shape.cpus,
      });
    }
  }
  return runners;
}

/** Total concurrent slots per pool. */
export function slotsPerPool(runners: readonly RunnerSpec[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of runners) out[r.pool] = (out[r.pool] ?? 0) + r.limit;
  return out;
}

/** Parses "linux=12,windows=4" into runners per pool; throws listing every bad entry. */
export function parseRunnersPerPool(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  const bad: string[] = [];
  for (const part of text.split(",").map((s) => s.trim()).filter(Boolean)) {
    const [pool, n] = part.split("=");
    const count = Number(n);
    if (!pool || !Number.isInteger(count) || count < 0) bad.push(part);
    else out[pool] = count;
  }
  if (bad.length) throw new Error(`runners per pool: bad entries ${bad.join(", ")} (want pool=count,...)`);
  return out;
}
