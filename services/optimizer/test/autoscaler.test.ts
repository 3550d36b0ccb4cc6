import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Registry } from "prom-client";
import { contracts, encodeHighClassDispatch, WarmReserveV1, type FleetEvent, type RunnerState } from "@switchyard/contracts";
import { createLogger } from "@switchyard/runtime";
import { createTestEnv, waitFor, type TestEnv } from "@switchyard/testing";
import { createAutoscaler, type Autoscaler } from "../src/capacity/autoscaler.js";
import { createCapacityMetrics } from "../src/capacity/capacity-metrics.js";
import { compilePoolScaling, poolScalingSchema } from "../src/capacity/scaling-policy.js";
import { createLocalSimProvisioner } from "../src/provisioning/local-sim-provisioner.js";
import type { Machine } from "../src/provisioning/provisioner.js";

const log = createLogger({ name: "autoscaler-test", level: "silent" });

function runnerState(runnerId: string, pool: string, running: number): RunnerState {
  return {
    v: 1, runnerId, description: runnerId, pool, tags: [], runUntagged: true, protected: false, paused: false, status: "online",
    draining: false, healthy: true, limit: 1, running, runningJobIds: [], diskUsedRatio: 0.1, cpus: 2, memoryGiB: 4,
    version: "17.0.0", contactedAt: Date.now(), updatedAt: Date.now(),
  };
}

describe("autoscaler (real Redis)", () => {
  let env: TestEnv;
  const stoppers: Autoscaler[] = [];

  beforeAll(async () => { env = await createTestEnv("autoscaler"); });
  afterAll(async () => {
    for (const a of stoppers) await a.stop();
    await env.close();
  });

  function build(owner: string, pool: string, clock: { now: number }, onStart = vi.fn(), onStop = vi.fn(), extra: Record<string, unknown> = {}, intervalMs = 60_000) {
    const provisioner = createLocalSimProvisioner({ redis: env.redis, keys: env.keys, owner, onStart, onStop, now: () => clock.now });
    const autoscaler = createAutoscaler({
      redis: env.redis, keys: env.keys, provisioner, owner, intervalMs, leaseTtlMs: 5_000, ownerTtlMs: 5_000, orphans: "destroy",
      pools: [compilePoolScaling(poolScalingSchema.parse({ pool, capacityPerMachine: 1, maxMachines: 5, ...extra, policies: [{ periods: ["* * * * *"], timezone: "UTC", idleTime: "1m" }] }))],
      publish: (contract, subject, payload) => env.nc.publish(subject, JSON.stringify(payload)),
      eventSubject: env.subjects.event, metrics: createCapacityMetrics({ registry: new Registry(), readPools: async () => [], known: { pools: [pool], autoscaledPools: [pool], jobClasses: [] }, log }), log, now: () => clock.now,
    });
    stoppers.push(autoscaler);
    return { autoscaler, provisioner, onStart, onStop };
  }

  // Arrivals are dated by the test's clock, not Date.now(): on a loaded box a second can pass between
  // reading the clock and enqueueing, and the wait the autoscaler sees must not depend on it.
  async function enqueue(pool: string, clock: { now: number }, jobs: [number, string, number][]): Promise<void> {
    for (const [jobId, jobClass, weight] of jobs) {
      await env.redis.zadd(env.keys.queue(pool), jobId, String(jobId));
      await env.redis.hset(env.keys.jobMeta, String(jobId), JSON.stringify({ jobId, pool, jobClass, weight, arrivedAt: clock.now - 5_000 }));
    }
  }

  it("creates machines for a burst, highest class first, then removes them once idle past idle_time", async () => {
    const clock = { now: Date.now() };
    const { autoscaler, provisioner, onStart, onStop } = build("opt-a", "burst", clock);
    const events = env.collect(env.subjects.event("autoscaler.scaled"));
    await enqueue("burst", clock, [[1, "lint", 10], [2, "lint", 10], [3, "production-deploy", 100], [4, "production-deploy", 100]]);

    const [first] = await autoscaler.tick();
    expect(first).toMatchObject({ acted: true, plan: { create: 4, destroy: [] } });
    expect(first!.acted && first!.plan.reasons[0]).toBe("scale out for production-deploy (weight 100): 2/2 waiting jobs covered");
    expect(first!.acted && first!.snapshot.oldestWaitSeconds).toBe(5);
    const machines = await provisioner.list("burst");
    expect(machines).toHaveLength(4);
    expect(onStart).toHaveBeenCalledTimes(4);
    await events.waitForCount(1);
    expect(contracts.fleetEvent.schema.parse(events.json<FleetEvent>()[0])).toMatchObject({ kind: "autoscaler.scaled", pool: "burst" });

    // The jobs start on the new machines: nothing to do while they run.
    await env.redis.del(env.keys.queue("burst"));
    for (const m of machines) await env.redis.hset(env.keys.runners, m.id, JSON.stringify(runnerState(m.id, "burst", 1)));
    expect((await autoscaler.tick())[0]).toMatchObject({ plan: { create: 0, destroy: [] } });
    clock.now += 10 * 60_000; // long jobs: idle time counts from when they finish, not from creation

    // They finish; the machines stay until idle_time has passed.
    for (const m of machines) await env.redis.hset(env.keys.runners, m.id, JSON.stringify(runnerState(m.id, "burst", 0)));
    expect((await autoscaler.tick())[0]).toMatchObject({ plan: { create: 0, destroy: [] } });
    clock.now += 59_000;
    expect((await autoscaler.tick())[0]).toMatchObject({ plan: { destroy: [] } });
    clock.now += 2_000;
    const [last] = await autoscaler.tick();
    expect(last!.acted && [...last!.plan.destroy].sort()).toEqual(machines.map((m: Machine) => m.id).sort());
    expect(await provisioner.list("burst")).toEqual([]);
    expect(onStop).toHaveBeenCalledTimes(4);
  });

  it("defers light classes' machines by scaleOutDelay, counting their wait from the jobs' arrival in the queue", async () => {
    const clock = { now: Date.now() };
    const { autoscaler, provisioner } = build("opt-d", "defer", clock, vi.fn(), vi.fn(), { urgentWeight: 30, scaleOutDelay: "2m" });
    await enqueue("defer", clock, [[21, "lint", 10], [22, "lint", 10], [23, "production-deploy", 100]]);
    const [first] = await autoscaler.tick();
    expect(first).toMatchObject({ acted: true, plan: { create: 1 } });
    expect(first!.acted && first!.plan.reasons).toContain("defer 2 lint jobs (weight 10 < 30) until they wait 120 s");
    // The lint jobs were queued 5 s before the first tick; two minutes later they ask for machines too.
    clock.now += 120_000;
    expect((await autoscaler.tick())[0]).toMatchObject({ acted: true, plan: { create: 2 } });
    expect(await provisioner.list("defer")).toHaveLength(3);
  });

  it("lets only one of two optimizers act on a pool, and the other take over once the lease is released", async () => {
    const clock = { now: Date.now() };
    const a = build("opt-1", "shared", clock);
    const b = build("opt-2", "shared", clock);
    await enqueue("shared", clock, [[11, "lint", 10], [12, "lint", 10], [13, "lint", 10]]);

    for (let round = 0; round < 3; round += 1) {
      const [ra, rb] = await Promise.all([a.autoscaler.tick(), b.autoscaler.tick()]);
      expect([ra[0]!.acted, rb[0]!.acted].filter(Boolean)).toHaveLength(1);
    }
    const machines = await a.provisioner.list("shared");
    expect(machines).toHaveLength(3);
    const owners = new Set(machines.map((m) => m.owner));
    expect(owners.size).toBe(1);
    const [holder, other] = owners.has("opt-1") ? [a, b] : [b, a];
    expect((await other.autoscaler.tick())[0]).toEqual({ pool: "shared", acted: false, reason: "lease held elsewhere" });

    await holder.autoscaler.stop();
    expect((await other.autoscaler.tick())[0]).toMatchObject({ acted: true });
  });

  it("destroys a sick runner's machine when the monitor asks, and only one its provisioner manages", async () => {
    const clock = { now: Date.now() };
    const { autoscaler, provisioner, onStop } = build("opt-r", "recycle", clock);
    await enqueue("recycle", clock, [[31, "lint", 10]]);
    await autoscaler.tick();
    const [machine] = await provisioner.list("recycle");
    expect(machine).toBeDefined();
    const events = env.collect(env.subjects.event("runner.recycled"));
    expect(await autoscaler.recycle("r-not-a-machine", "recycle", "disk 72% used")).toBe(false);
    expect(await autoscaler.recycle(machine!.id, "recycle", "disk 72% used")).toBe(true);
    expect(onStop).toHaveBeenCalled();
    expect(await provisioner.list("recycle")).toHaveLength(0);
    await events.waitForCount(1);
    expect(events.json<{ reason: string }>()[0]?.reason).toMatch(/disk 72% used/);
  });

  /** Top-class dispatches as the assigner records them (HighClassDispatchV1 members, by dispatch time). */
  async function dispatched(pool: string, starts: [jobId: number, weight: number, at: number][]): Promise<void> {
    for (const [jobId, weight, at] of starts) await env.redis.zadd(env.keys.highClassDispatches(pool), at, encodeHighClassDispatch({ projectId: 1, jobId, weight }));
  }
  const reserveOf = async (pool: string) => {
    const raw = await env.redis.get(env.keys.warmReserve(pool));
    return raw === null ? null : WarmReserveV1.parse(JSON.parse(raw));
  };

  it("writes a warm reserve for a pool with urgent starts, none for a pool without, and keeps its slots idle", async () => {
    const clock = { now: Date.now() };
    const urgent = build("opt-w1", "reserve-urgent", clock);
    const light = build("opt-w2", "reserve-light", clock);
    // A production deploy started an hour ago in one pool; only a weight-60 deploy in the other.
    await dispatched("reserve-urgent", [[31, 100, clock.now - 3_600_000]]);
    await dispatched("reserve-light", [[32, 60, clock.now - 60_000]]);
    // An older assigner's member carries no weight: not counted as urgent (no reserve is the safe side).
    await env.redis.zadd(env.keys.highClassDispatches("reserve-light"), clock.now - 30_000, "1:35");

    const [u] = await urgent.autoscaler.tick();
    const [l] = await light.autoscaler.tick();
    expect(await reserveOf("reserve-urgent")).toEqual({ v: 1, pool: "reserve-urgent", slots: 1, minWeight: 100, at: clock.now });
    expect(await reserveOf("reserve-light")).toBeNull();
    // The record lapses a few passes after the last write (3 × intervalMs), so a dead optimizer's reserve goes.
    const ttl = await env.redis.pttl(env.keys.warmReserve("reserve-urgent"));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(180_000);
    // No backlog: the planner boots a machine for the reserved slot in one pool only.
    expect(u).toMatchObject({ acted: true, reservedSlots: 1, plan: { create: 1 } });
    expect(u!.acted && u!.plan.reasons).toContain("keep 1 slots reserved for urgent classes");
    expect(l).toMatchObject({ acted: true, reservedSlots: 0, plan: { create: 0 } });

    // A day later the start is out of the window: the record goes at once, not at its TTL.
    clock.now += 24 * 3_600_000;
    expect((await urgent.autoscaler.tick())[0]).toMatchObject({ reservedSlots: 0 });
    expect(await reserveOf("reserve-urgent")).toBeNull();
  });

  it("writes no reserve for a pool whose reserve is turned off", async () => {
    const clock = { now: Date.now() };
    const off = build("opt-w3", "reserve-off", clock, vi.fn(), vi.fn(), { warmReserve: { enabled: false } });
    await dispatched("reserve-off", [[33, 100, clock.now - 1_000]]);
    expect((await off.autoscaler.tick())[0]).toMatchObject({ acted: true, reservedSlots: 0, plan: { create: 0 } });
    expect(await reserveOf("reserve-off")).toBeNull();
  });

  it("lets the reserve expire once the optimizer stops", async () => {
    const clock = { now: Date.now() };
    const { autoscaler } = build("opt-w4", "reserve-stop", clock, vi.fn(), vi.fn(), {}, 100);
    await dispatched("reserve-stop", [[34, 100, clock.now - 1_000]]);
    autoscaler.start();
    await waitFor(() => reserveOf("reserve-stop"), { what: "the reserve record" });
    await autoscaler.stop();
    await waitFor(async () => (await reserveOf("reserve-stop")) === null, { what: "the reserve to expire", timeoutMs: 5_000 });
  });
});
