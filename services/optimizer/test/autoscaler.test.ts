import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Registry } from "prom-client";
import { contracts, type FleetEvent, type RunnerState } from "@switchyard/contracts";
import { createLogger } from "@switchyard/runtime";
import { createTestEnv, type TestEnv } from "@switchyard/testing";
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

  function build(owner: string, pool: string, clock: { now: number }, onStart = vi.fn(), onStop = vi.fn()) {
    const provisioner = createLocalSimProvisioner({ redis: env.redis, keys: env.keys, owner, onStart, onStop, now: () => clock.now });
    const autoscaler = createAutoscaler({
      redis: env.redis, keys: env.keys, provisioner, owner, intervalMs: 60_000, leaseTtlMs: 5_000, ownerTtlMs: 5_000, orphans: "destroy",
      pools: [compilePoolScaling(poolScalingSchema.parse({ pool, capacityPerMachine: 1, maxMachines: 5, policies: [{ periods: ["* * * * *"], timezone: "UTC", idleTime: "1m" }] }))],
      publish: (contract, subject, payload) => env.nc.publish(subject, JSON.stringify(payload)),
      eventSubject: env.subjects.event, metrics: createCapacityMetrics({ registry: new Registry(), readPools: async () => [], known: { pools: [pool], autoscaledPools: [pool], jobClasses: [] }, log }), log, now: () => clock.now,
    });
    stoppers.push(autoscaler);
    return { autoscaler, provisioner, onStart, onStop };
  }

  async function enqueue(pool: string, jobs: [number, string, number][]): Promise<void> {
    for (const [jobId, jobClass, weight] of jobs) {
      await env.redis.zadd(env.keys.queue(pool), jobId, String(jobId));
      await env.redis.hset(env.keys.jobMeta, String(jobId), JSON.stringify({ jobId, pool, jobClass, weight, arrivedAt: Date.now() - 5_000 }));
    }
  }

  it("creates machines for a burst, highest class first, then removes them once idle past idle_time", async () => {
    const clock = { now: Date.now() };
    const { autoscaler, provisioner, onStart, onStop } = build("opt-a", "burst", clock);
    const events = env.collect(env.subjects.event("autoscaler.scaled"));
    await enqueue("burst", [[1, "lint", 10], [2, "lint", 10], [3, "production-deploy", 100], [4, "production-deploy", 100]]);

    const [first] = await autoscaler.tick();
    expect(first).toMatchObject({ acted: true, plan: { create: 4, destroy: [] } });
    expect(first!.acted && first!.plan.reasons[0]).toBe("scale out for production-deploy (weight 100): 2/2 waiting jobs covered");
    expect(first!.acted && first!.snapshot.oldestWaitSeconds).toBeGreaterThanOrEqual(4);
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

  it("lets only one of two optimizers act on a pool, and the other take over once the lease is released", async () => {
    const clock = { now: Date.now() };
    const a = build("opt-1", "shared", clock);
    const b = build("opt-2", "shared", clock);
    await enqueue("shared", [[11, "lint", 10], [12, "lint", 10], [13, "lint", 10]]);

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
    await enqueue("recycle", [[31, "lint", 10]]);
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
});
