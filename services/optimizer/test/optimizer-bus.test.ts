import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jetstreamManager } from "@nats-io/jetstream";
import { contracts, type DeadLetter, type FleetEvent } from "@switchyard/contracts";
import { createLogger, createMetrics } from "@switchyard/runtime";
import { createTestEnv, waitFor, type TestEnv } from "@switchyard/testing";
import { autoscalingConfigSchema } from "../src/capacity/autoscaling-config.js";
import { createOptimizer, type Optimizer } from "../src/optimizer.js";
import { createLocalSimProvisioner } from "../src/provisioning/local-sim-provisioner.js";

const log = createLogger({ name: "optimizer-bus-test", level: "silent" });
const POOL = "recycling";

describe("the optimizer's subscriptions go through the validating bus (real NATS and Redis)", () => {
  let env: TestEnv;
  let optimizer: Optimizer;
  const metrics = createMetrics("optimizer");

  beforeAll(async () => {
    env = await createTestEnv("optbus");
    const provisioner = createLocalSimProvisioner({ redis: env.redis, keys: env.keys, owner: "opt-bus" });
    optimizer = createOptimizer({
      nc: env.nc, redis: env.redis, keys: env.keys, subjects: env.subjects, metrics, log,
      config: {
        jobQueuingDurations: [], classTargets: [], durableName: "optimizer-bus", seenJobTtlSeconds: 600,
        autoscaling: autoscalingConfigSchema.parse({
          provisioner: { kind: "local" },
          pools: [{ pool: POOL, capacityPerMachine: 1, minMachines: 1, maxMachines: 2, policies: [{ periods: ["* * * * *"], timezone: "UTC", idleTime: "10m" }] }],
          intervalMs: 100, leaseTtlMs: 2_000, ownerTtlMs: 5_000,
        }),
      },
      instanceId: "opt-bus", provisioner,
    });
    await optimizer.start();
  });

  afterAll(async () => {
    await optimizer.stop();
    const jsm = await jetstreamManager(env.nc);
    for (const stream of [env.subjects.outcomeStream, env.subjects.deadLetterStream]) await jsm.streams.delete(stream).catch(() => undefined);
    await env.close();
  });

  it("dead-letters an invalid recycle request, counts it, and still recycles on the next valid one", async () => {
    const view = createLocalSimProvisioner({ redis: env.redis, keys: env.keys, owner: "observer" });
    const [machine] = await waitFor(async () => {
      const ms = await view.list(POOL);
      return ms.length === 1 ? ms : null;
    }, { what: "the pool's first machine" });
    const deadLetters = env.collect(env.subjects.deadLetterAll);
    const recycled = env.collect(env.subjects.event("runner.recycled"));
    const requests = env.subjects.event("runner.recycle-requested");

    env.nc.publish(requests, JSON.stringify({ v: 1, kind: "runner.recycle-requested", runnerId: machine!.id }));
    await deadLetters.waitForCount(1);
    const letter = contracts.deadLetter.schema.parse(deadLetters.json<DeadLetter>()[0]);
    expect(letter).toMatchObject({ subject: requests, agent: "optimizer", contract: contracts.fleetEvent.name });
    const invalid = (await metrics.invalidMessages.get()).values.find((v) => v.labels.contract === contracts.fleetEvent.name && v.labels.agent === "optimizer");
    expect(invalid?.value).toBe(1);

    const request: FleetEvent = { v: 1, kind: "runner.recycle-requested", runnerId: machine!.id, pool: POOL, reason: "disk full", details: {}, at: Date.now() };
    env.nc.publish(requests, JSON.stringify(request));
    await recycled.waitForCount(1);
    expect(contracts.fleetEvent.schema.parse(recycled.json<FleetEvent>()[0])).toMatchObject({ kind: "runner.recycled", pool: POOL, details: { runnerId: machine!.id } });
  });
});
