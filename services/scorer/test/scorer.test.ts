import { contracts, DECISION_CANDIDATES, type DeadLetter, type JobBatchQueued, type JobScored } from "@switchyard/contracts";
import { createTestEnv, waitFor, type TestEnv } from "@switchyard/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { queuedJob, runnerState, startScorer, writeRunners } from "./support.js";

describe("scorer", () => {
  let env: TestEnv;
  const closers: (() => Promise<void>)[] = [];
  beforeEach(async () => { env = await createTestEnv("scorer"); });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await env.close();
  });

  async function request(job: ReturnType<typeof queuedJob>): Promise<JobScored> {
    const msg = await env.nc.request(env.subjects.jobQueued(job.pool), JSON.stringify(job), { timeout: 5_000 });
    return contracts.jobScored.schema.parse(msg.json());
  }

  it("answers a queued job with runners ranked from the monitor's states, with every plugin's contribution", async () => {
    await writeRunners(env, [
      runnerState("busy", { running: 3, diskUsedRatio: 0.5 }),
      runnerState("idle", { running: 0, diskUsedRatio: 0.1 }),
      runnerState("drain", { draining: true }),
    ]);
    const scorer = await startScorer(env, "scorer-a");
    closers.push(() => scorer.close());
    const published = env.collect(env.subjects.jobScored("linux"));

    const reply = await request(queuedJob(41, [
      { runnerId: "busy", freeSlots: 1 }, { runnerId: "idle", freeSlots: 4 }, { runnerId: "drain", freeSlots: 4 },
    ]));

    expect(reply).toMatchObject({ jobId: 41, pool: "linux", scorerId: "scorer-a", weightsVersion: 0 });
    expect(reply.candidates.map((c) => c.runnerId)).toEqual(["idle", "busy"]);
    expect(reply.rejected).toEqual([{ runnerId: "drain", filter: "notDraining", reason: "runner is draining" }]);
    const idle = reply.candidates[0]!;
    expect(idle.contributions).toEqual(expect.arrayContaining([
      { plugin: "freeCapacity", score: 100, weight: 1 },
      { plugin: "diskHeadroom", score: 90, weight: 0.5 },
    ]));
    // Nobody reads job.scored: by default the reply is the only copy. Closing drains the scorer (anything it
    // would publish is out), then a flush orders it before us.
    await scorer.close();
    await env.nc.flush();
    expect(published.messages).toHaveLength(0);
  });

  it("scores a round's jobs in one batch request, each exactly as its own request would be", async () => {
    await writeRunners(env, [runnerState("busy", { running: 3 }), runnerState("idle", { running: 0 }), runnerState("drain", { draining: true })]);
    const scorer = await startScorer(env, "scorer-a");
    closers.push(() => scorer.close());
    const openRunners = [{ runnerId: "busy", freeSlots: 1 }, { runnerId: "idle", freeSlots: 4 }, { runnerId: "drain", freeSlots: 4 }];
    const jobs = [queuedJob(51, openRunners), queuedJob(52, openRunners, { name: "deploy", projectId: 9 })];
    const batch: JobBatchQueued = { v: 1, pool: "linux", openRunners, jobs: jobs.map(({ v: _v, pool: _p, openRunners: _o, ...job }) => job) };

    const msg = await env.nc.request(env.subjects.jobBatchQueued("linux"), JSON.stringify(batch), { timeout: 5_000 });
    const reply = contracts.jobBatchScored.schema.parse(msg.json());

    expect(reply).toMatchObject({ pool: "linux", scorerId: "scorer-a", weightsVersion: 0 });
    expect(reply.results.map((r) => r.jobId)).toEqual([51, 52]);
    for (const [i, job] of jobs.entries()) {
      const single = await request(job);
      expect(reply.results[i]).toEqual({ jobId: job.jobId, candidates: single.candidates, rejected: single.rejected });
    }
    expect(reply.results[0]!.candidates[0]!.contributions.length).toBeGreaterThan(0);
    expect(reply.results[0]!.candidates.map((c) => c.runnerId)).toEqual(["idle", "busy"]);
  });

  it("keeps the breakdown of the candidates a decision records and only runner and total for the rest", async () => {
    const scorer = await startScorer(env, "scorer-a");
    closers.push(() => scorer.close());
    const openRunners = Array.from({ length: DECISION_CANDIDATES + 3 }, (_, i) => ({ runnerId: `r${i}`, freeSlots: 1 + i }));
    const { v: _v, pool: _p, openRunners: _o, ...job } = queuedJob(60, openRunners);
    const [result] = scorer.scoreBatch({ v: 1, pool: "linux", openRunners, jobs: [job] }).results;
    const single = scorer.score(queuedJob(60, openRunners));
    expect(result!.candidates.map((c) => [c.runnerId, c.total])).toEqual(single.candidates.map((c) => [c.runnerId, c.total]));
    expect(result!.candidates.slice(0, DECISION_CANDIDATES)).toEqual(single.candidates.slice(0, DECISION_CANDIDATES));
    expect(result!.candidates.slice(DECISION_CANDIDATES).every((c) => c.contributions.length === 0)).toBe(true);
    expect(result!.candidates).toHaveLength(DECISION_CANDIDATES + 3);
  });

  it("dead-letters a batch that breaks its contract", async () => {
    const scorer = await startScorer(env, "scorer-a");
    closers.push(() => scorer.close());
    const dead = env.collect(env.subjects.deadLetterAll);
    env.nc.publish(env.subjects.jobBatchQueued("linux"), JSON.stringify({ v: 1, pool: "linux", openRunners: [], jobs: [] }));
    await dead.waitForCount(1);
    expect(dead.json<DeadLetter>()[0]).toMatchObject({ contract: "job.batch.queued", agent: "scorer" });
  });

  it("also publishes each scored reply for observers when publishScored is on", async () => {
    const scorer = await startScorer(env, "scorer-a", { publishScored: true });
    closers.push(() => scorer.close());
    const published = env.collect(env.subjects.jobScored("linux"));
    const reply = await request(queuedJob(40, [{ runnerId: "newcomer", freeSlots: 2 }]));
    await published.waitForCount(1);
    expect(published.json<JobScored>()[0]).toEqual(reply);
  });

  it("scores a runner the monitor has not reported with a neutral view, so dispatch still works", async () => {
    const scorer = await startScorer(env, "scorer-a");
    closers.push(() => scorer.close());
    const reply = await request(queuedJob(42, [{ runnerId: "newcomer", freeSlots: 2 }]));
    expect(reply.candidates.map((c) => c.runnerId)).toEqual(["newcomer"]);
    expect(reply.rejected).toEqual([]);
  });

  it("picks up runner state changes from runner-state messages without waiting for a reload", async () => {
    await writeRunners(env, [runnerState("r1"), runnerState("r2")]);
    const scorer = await startScorer(env, "scorer-a", { runnerCacheRefreshMs: 60_000 });
    closers.push(() => scorer.close());
    env.nc.publish(env.subjects.runnerState("r1"), JSON.stringify(runnerState("r1", { paused: true, updatedAt: Date.now() + 1 })));
    await waitFor(async () => (await request(queuedJob(43, [{ runnerId: "r1", freeSlots: 1 }, { runnerId: "r2", freeSlots: 1 }]))).rejected.length === 1,
      { what: "r1 rejected as paused" });
    const reply = await request(queuedJob(44, [{ runnerId: "r1", freeSlots: 1 }, { runnerId: "r2", freeSlots: 1 }]));
    expect(reply.rejected).toEqual([{ runnerId: "r1", filter: "notPaused", reason: "runner is paused in GitLab" }]);
  });

  it("shares 50 requests between two scorers in the queue group, answering each exactly once", async () => {
    await writeRunners(env, [runnerState("r1"), runnerState("r2")]);
    const a = await startScorer(env, "scorer-a", { publishScored: true });
    const b = await startScorer(env, "scorer-b", { publishScored: true });
    closers.push(() => a.close(), () => b.close());
    const published = env.collect(env.subjects.jobScoredAll);
    const replies = await Promise.all(Array.from({ length: 50 }, (_, i) =>
      request(queuedJob(1000 + i, [{ runnerId: "r1", freeSlots: 1 }, { runnerId: "r2", freeSlots: 2 }]))));
    expect(replies.map((r) => r.jobId)).toEqual(Array.from({ length: 50 }, (_, i) => 1000 + i));
    // Closing drains both scorers (everything they would publish is out), then a flush orders it before us.
    await a.close();
    await b.close();
    await env.nc.flush();
    const scored = published.json<JobScored>();
    expect(new Set(scored.map((s) => s.jobId)).size).toBe(50);
    expect(scored).toHaveLength(50);
    const byScorer = new Set(replies.map((r) => r.scorerId));
    expect(byScorer).toEqual(new Set(["scorer-a", "scorer-b"]));
  });

  it("dead-letters an invalid queued job and keeps answering", async () => {
    const scorer = await startScorer(env, "scorer-a");
    closers.push(() => scorer.close());
    const dead = env.collect(env.subjects.deadLetterAll);
    env.nc.publish(env.subjects.jobQueued("linux"), JSON.stringify({ v: 1, jobId: -5, pool: "linux" }));
    await dead.waitForCount(1);
    expect(dead.json<DeadLetter>()[0]).toMatchObject({ contract: "job.queued", agent: "scorer", subject: env.subjects.jobQueued("linux") });
    const reply = await request(queuedJob(45, [{ runnerId: "r9", freeSlots: 1 }]));
    expect(reply.candidates.map((c) => c.runnerId)).toEqual(["r9"]);
  });

  it("applies a weights update, stores it in Redis, and ignores an older one", async () => {
    await writeRunners(env, [runnerState("r1")]);
    const scorer = await startScorer(env, "scorer-a");
    closers.push(() => scorer.close());
    const update = { v: 1 as const, version: 3, weights: { diskHeadroom: 0, freeCapacity: 2 }, reason: "test", frozen: false, at: Date.now() };
    env.nc.publish(env.subjects.weightsUpdate, JSON.stringify(update));
    await waitFor(() => scorer.weights().version === 3, { what: "weights v3" });
    const reply = await request(queuedJob(46, [{ runnerId: "r1", freeSlots: 1 }]));
    expect(reply.weightsVersion).toBe(3);
    const plugins = reply.candidates[0]!.contributions.map((c) => c.plugin);
    expect(plugins).not.toContain("diskHeadroom");
    expect(reply.candidates[0]!.contributions.find((c) => c.plugin === "freeCapacity")?.weight).toBe(2);
    await waitFor(async () => (await env.redis.hget(env.keys.weights, "version")) === "3", { what: "weights stored" });

    env.nc.publish(env.subjects.weightsUpdate, JSON.stringify({ ...update, version: 2, weights: { freeCapacity: 9 } }));
    const marker = { ...update, version: 4, weights: { sizeFit: 0.1 } };
    env.nc.publish(env.subjects.weightsUpdate, JSON.stringify(marker));
    await waitFor(() => scorer.weights().version === 4, { what: "weights v4" });
    expect(scorer.weights().weights.freeCapacity).toBe(2);

    // A new scorer starts from the stored weights.
    const later = await startScorer(env, "scorer-b");
    closers.push(() => later.close());
    expect(later.weights()).toMatchObject({ version: 4, weights: { freeCapacity: 2, diskHeadroom: 0, sizeFit: 0.1 } });
  });

  it("refuses a weights update whose version leaps far ahead: not applied, not stored, dead-lettered", async () => {
    await writeRunners(env, [runnerState("r1")]);
    const scorer = await startScorer(env, "scorer-leap");
    closers.push(() => scorer.close());
    const dead = env.collect(env.subjects.deadLetterAll);
    const base = { v: 1 as const, weights: { freeCapacity: 5 }, reason: "test", frozen: false, at: Date.now() };
    // A forged update with a huge version would make every real update after it look stale.
    env.nc.publish(env.subjects.weightsUpdate, JSON.stringify({ ...base, version: 1_000_000_000 }));
    await dead.waitForCount(1);
    expect(dead.json<DeadLetter>()[0]?.reason).toMatch(/implausible: version 1000000000 jumps more than 1000/);
    env.nc.publish(env.subjects.weightsUpdate, JSON.stringify({ ...base, version: 1, weights: { freeCapacity: 3 } }));
    await waitFor(() => scorer.weights().version === 1, { what: "the real next version applied" });
    expect(scorer.weights().weights.freeCapacity).toBe(3);
    expect(await env.redis.hget(env.keys.weights, "version")).not.toBe("1000000000");
  });

  it("learns success rate and pipeline affinity from job outcomes", async () => {
    await writeRunners(env, [runnerState("flaky"), runnerState("solid")]);
    const scorer = await startScorer(env, "scorer-a");
    closers.push(() => scorer.close());
    await request(queuedJob(50, [{ runnerId: "flaky", freeSlots: 1 }], { pipelineId: 900 }));
    await request(queuedJob(51, [{ runnerId: "solid", freeSlots: 1 }], { pipelineId: 900 }));
    const outcome = (jobId: number, runnerId: string, phase: "started" | "finished", status: "running" | "success" | "failed", failureReason: string | null = null) => ({
      v: 1, jobId, pool: "linux", runnerId, phase, status, failureReason, jobClass: "default", decisionId: null, projectId: 7,
      queueSeconds: 1, holdSeconds: 1, runSeconds: phase === "finished" ? 30 : null, at: Date.now(),
    });
    env.nc.publish(env.subjects.jobOutcome("linux"), JSON.stringify(outcome(50, "flaky", "finished", "failed", "runner_system_failure")));
    env.nc.publish(env.subjects.jobOutcome("linux"), JSON.stringify(outcome(51, "solid", "started", "running")));
    env.nc.publish(env.subjects.jobOutcome("linux"), JSON.stringify(outcome(51, "solid", "finished", "success")));
    const job = queuedJob(52, [{ runnerId: "flaky", freeSlots: 1 }, { runnerId: "solid", freeSlots: 1 }], { pipelineId: 900 });
    const reply = await waitFor(async () => {
      const r = await request({ ...job, jobId: job.jobId + Math.floor(Math.random() * 1000) });
      return r.candidates.some((c) => c.contributions.some((x) => x.plugin === "pipelineAffinity")) ? r : undefined;
    }, { what: "outcomes applied" });
    expect(reply.candidates[0]!.runnerId).toBe("solid");
    const solid = reply.candidates[0]!.contributions;
    expect(solid).toEqual(expect.arrayContaining([{ plugin: "successRate", score: 100, weight: 1 }, { plugin: "pipelineAffinity", score: 100, weight: 0.5 }]));
    expect(reply.candidates[1]!.contributions).toEqual(expect.arrayContaining([{ plugin: "successRate", score: 0, weight: 1 }]));
  });
});
