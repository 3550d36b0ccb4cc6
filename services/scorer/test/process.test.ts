import { contracts } from "@switchyard/contracts";
import { createTestEnv, startNodeProcess, type RunningProcess, type TestEnv } from "@switchyard/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { queuedJob, runnerState, writeRunners } from "./support.js";

// Runs the built agent (services/scorer/dist/main.js): build first with `npx tsc -b services/scorer`.
describe("scorer process", () => {
  let env: TestEnv;
  let proc: RunningProcess | undefined;
  beforeEach(async () => { env = await createTestEnv("scorerproc"); });
  afterEach(async () => {
    await proc?.stop();
    await env.close();
  });

  it("starts from env config, answers a queued job with the configured weights, and stops cleanly on SIGTERM", async () => {
    await writeRunners(env, [runnerState("r1")]);
    proc = startNodeProcess("scorer", "services/scorer/dist/main.js", env.agentEnv({
      SWITCHYARD_WEIGHTS: JSON.stringify({ freeCapacity: 1, successRate: 0, speed: 0, pipelineAffinity: 0, diskHeadroom: 0, sizeFit: 0 }),
      SWITCHYARD_INSTANCE_ID: "scorer-proc",
    }));
    await proc.waitForOutput(/scorer started/);
    const msg = await env.nc.request(env.subjects.jobQueued("linux"), JSON.stringify(queuedJob(7, [{ runnerId: "r1", freeSlots: 2 }])), { timeout: 5_000 });
    const reply = contracts.jobScored.schema.parse(msg.json());
    expect(reply.scorerId).toBe("scorer-proc");
    expect(reply.candidates).toEqual([{ runnerId: "r1", total: 100, contributions: [{ plugin: "freeCapacity", score: 100, weight: 1 }] }]);
    expect(await proc.stop()).toBe(0);
  });

  it("refuses to start with invalid weights and says which setting is wrong", async () => {
    proc = startNodeProcess("scorer", "services/scorer/dist/main.js", env.agentEnv({ SWITCHYARD_WEIGHTS: JSON.stringify({ speed: -1 }) }));
    await proc.waitForOutput(/weights\.speed.*SWITCHYARD_WEIGHTS/);
  });
});
