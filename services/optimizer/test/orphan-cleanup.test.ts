import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jetstreamManager } from "@nats-io/jetstream";
import { createLogger, createMetrics } from "@switchyard/runtime";
import { createTestEnv, startNodeProcess, waitFor, type RunningProcess, type TestEnv } from "@switchyard/testing";
import { autoscalingConfigSchema } from "../src/capacity/autoscaling-config.js";
import { createOptimizer, type Optimizer } from "../src/optimizer.js";
import { createLocalSimProvisioner } from "../src/provisioning/local-sim-provisioner.js";
import type { Machine } from "../src/provisioning/provisioner.js";

const log = createLogger({ name: "orphan-test", level: "silent" });
const POOL = "orphans";
const autoscaling = {
  provisioner: { kind: "local" },
  pools: [{ pool: POOL, capacityPerMachine: 1, minMachines: 2, maxMachines: 4, policies: [{ periods: ["* * * * *"], timezone: "UTC", idleTime: "10m" }] }],
  intervalMs: 150,
  leaseTtlMs: 600,
  ownerTtlMs: 1_500,
  orphans: "destroy",
};

describe("orphaned machines (real optimizer process, NATS and Redis)", () => {
  let env: TestEnv;
  let dead: RunningProcess | null = null;
  let live: Optimizer | null = null;

  beforeAll(async () => { env = await createTestEnv("orphans"); });
  afterAll(async () => {
    await dead?.stop("SIGKILL");
    await live?.stop();
    const jsm = await jetstreamManager(env.nc);
    await jsm.streams.delete(env.subjects.outcomeStream).catch(() => undefined);
    await env.close();
  });

  it("destroys the machines of a killed optimizer once its heartbeat expires, then provisions its own", async () => {
    dead = startNodeProcess("optimizer-dead", "services/optimizer/dist/main.js", env.agentEnv({
      SWITCHYARD_INSTANCE_ID: "opt-dead",
      SWITCHYARD_AUTOSCALING: JSON.stringify(autoscaling),
    }));
    const view = createLocalSimProvisioner({ redis: env.redis, keys: env.keys, owner: "observer" });
    const orphans = await waitFor(async () => {
      const ms = await view.list(POOL);
      return ms.length === 2 ? ms : null;
    }, { what: "the first optimizer's machines", timeoutMs: 20_000 });
    expect(orphans.map((m) => m.owner)).toEqual(["opt-dead", "opt-dead"]);
    await dead.stop("SIGKILL");

    const stopped: { machine: Machine; ownerAlive: number }[] = [];
    const provisioner = createLocalSimProvisioner({
      redis: env.redis, keys: env.keys, owner: "opt-live",
      onStop: async (machine) => { stopped.push({ machine, ownerAlive: await env.redis.exists(env.keys.heartbeat("optimizer", machine.owner)) }); },
    });
    live = createOptimizer({
      nc: env.nc, redis: env.redis, keys: env.keys, subjects: env.subjects, metrics: createMetrics("optimizer"), log,
      config: {
        jobQueuingDurations: [], classTargets: [], durableName: "optimizer-live", seenJobTtlSeconds: 600,
        autoscaling: autoscalingConfigSchema.parse(autoscaling),
      },
      instanceId: "opt-live", provisioner,
    });
    await live.start();

    await waitFor(async () => {
      const ms = await view.list(POOL);
      return ms.length === 2 && ms.every((m) => m.owner === "opt-live");
    }, { what: "orphans replaced by the live optimizer's machines", timeoutMs: 15_000 });
    expect(stopped.map((s) => s.machine.id).sort()).toEqual(orphans.map((m) => m.id).sort());
    expect(stopped.every((s) => s.ownerAlive === 0)).toBe(true);
  });
});
