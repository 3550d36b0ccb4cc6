import { afterEach, describe, expect, it } from "vitest";
import { Counter, Registry } from "prom-client";
import { createLogger } from "@switchyard/runtime";
import { waitFor } from "@switchyard/testing";
import type { SimulatedGitLab } from "@switchyard/gitlab-sim";
import { createGitLabRunnerApi, type GitLabRunnerApi } from "../src/upstream/gitlab-runner-api.js";
import { parseRetryAfter } from "../src/protocol/headers.js";
import { emptyAnswerWaitMs, holdWakeDelayMs, startPoolPoller, upstreamRetryDelayMs, WORKHORSE_REPOLL_SPACING_MS } from "../src/upstream/pool-poller.js";
import { DEFAULT_POOL_FEATURES } from "../src/upstream/pool-features.js";
import type { DispatchQueue } from "../src/queue/dispatch-queue.js";
import { createSignal } from "../src/signal.js";
import { ADMIN_TOKEN, POOL_TOKEN, startSim } from "./harness.js";

// Reproduces gitlab-runner 18.x's handling of a failed POST /jobs/request: network/gitlab.go
// (GitLabClient.RequestJob: 409 and other statuses are "failed", not retried at once) and
// commands/multi.go (the next request waits for check_interval, default 3 s); network/retry_requester.go
// honours Retry-After on 429. GitLab answers 409 from Ci::RegisterJobService on contention and
// 429 from check_rate_limit! (lib/api/ci/runner.rb / helpers).

let sim: SimulatedGitLab | undefined;
let api: GitLabRunnerApi | undefined;
let stopPoller: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stopPoller?.();
  await api?.close();
  await sim?.close();
  stopPoller = undefined; api = undefined; sim = undefined;
});

const silent = createLogger({ name: "test", level: "silent" });

/** A poller over a real simulated GitLab with an always-free pool; intake reports each job. */
function poller(opts: {
  checkIntervalMs: number; onJob: () => void; concurrency?: number; now?: () => number;
  sleep?: (ms: number, s: AbortSignal) => Promise<void>; onCall?: (status: string) => void; random?: () => number;
}) {
  const real = createGitLabRunnerApi({ gitlabUrl: sim!.url, identity: { version: "0.1.0", platform: "linux", architecture: "amd64" }, requestTimeoutMs: 10_000 });
  api = {
    ...real,
    async requestJob(...args) {
      const result = await real.requestJob(...args);
      opts.onCall?.(result.kind === "retry" ? String(result.status) : result.kind);
      return result;
    },
  };
  const queue = { heldCount: async () => 0 } as unknown as DispatchQueue;
  const p = startPoolPoller({
    pool: { name: "linux", upstreamToken: POOL_TOKEN, lookahead: 2 }, features: () => DEFAULT_POOL_FEATURES,
    api, queue, intake: async () => { opts.onJob(); return null; }, freeSlots: async () => 1, capacity: createSignal(),
    jobArrived: () => undefined, systemId: "s_test000000001", concurrency: opts.concurrency ?? 2, log: silent,
    pulled: new Counter({ name: "t_pulled", help: "t", labelNames: ["pool", "result"], registers: [new Registry()] }),
    checkIntervalMs: opts.checkIntervalMs, now: opts.now, sleep: opts.sleep, random: opts.random ?? (() => 0),
  });
  stopPoller = () => p.stop();
}

async function setFault(body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${sim!.url}/sim/faults/jobs-request`, {
    method: "PUT", headers: { "content-type": "application/json", "private-token": ADMIN_TOKEN }, body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}

describe("the pool poller backs off from a refusing GitLab like gitlab-runner does", () => {
  it("sends a handful of requests, not thousands, to a GitLab answering 409 for 6 s", async () => {
    sim = await startSim();
    await setFault({ status: 409, durationMs: 6_000 });
    const faultEnds = Date.now() + 6_000;
    const jobId = sim.enqueueJob({ name: "build", stage: "build", tags: ["linux"], durationSeconds: 1 });
    let gotJobAt = 0;
    const got = new Promise<void>((resolve) => poller({ checkIntervalMs: 3_000, onJob: () => { gotJobAt = Date.now(); resolve(); } }));
    await got;
    // The job is only handed out once the 409s stop, and the calls during the fault stay within what
    // gitlab-runner's check interval allows: 2 workers share one hold, so ≤ 2 + 6 s / 3 s per worker.
    expect(gotJobAt).toBeGreaterThanOrEqual(faultEnds);
    expect(sim.job(jobId)?.status).toBe("running");
    expect(sim.knobs.jobRequests).toBeGreaterThanOrEqual(2);
    expect(sim.knobs.jobRequests).toBeLessThanOrEqual(8);
  }, 20_000);

  it("keeps the whole pool quiet for the 30 s a 429 Retry-After asks", async () => {
    sim = await startSim();
    await setFault({ status: 429, retryAfterSeconds: 30, times: 1 });
    sim.enqueueJob({ name: "build", stage: "build", tags: ["linux"], durationSeconds: 1 });
    // A fake clock: sleeping advances it, so the 30 s hold passes instantly but is measured exactly.
    let fake = 1_000_000;
    const calls: { at: number; result: string }[] = [];
    const sleep = async (ms: number) => { fake += ms; await new Promise((r) => setImmediate(r)); };
    const got = new Promise<void>((resolve) => poller({
      checkIntervalMs: 3_000, concurrency: 1, now: () => fake, sleep, onJob: resolve,
      onCall: (result) => calls.push({ at: fake, result }),
    }));
    await got;
    expect(calls.map((c) => c.result)).toEqual(["429", "job"]);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(30_000);
    expect(calls[1]!.at - calls[0]!.at).toBeLessThan(31_000);
    expect(sim.knobs.jobRequests).toBe(2);
  });

  it("asks no more than once per check interval while GitLab has no job and no long polling", async () => {
    // gitlab-runner commands/multi.go feeds each runner once per check_interval; a Rails 204 without
    // Workhorse long polling comes back at once (lib/api/ci/runner.rb POST /jobs/request).
    sim = await startSim({ longPollMs: 0 });
    let fake = 1_000_000;
    const calls: number[] = [];
    const sleep = async (ms: number) => { fake += ms; await new Promise((r) => setImmediate(r)); };
    await new Promise<void>((resolve) => poller({
      checkIntervalMs: 3_000, concurrency: 1, now: () => fake, sleep, onJob: () => undefined,
      onCall: (result) => { if (result === "empty") calls.push(fake); if (calls.length === 4) resolve(); },
    }));
    // The first answer brings a queue value the poller did not have (it sent none): one immediate re-poll with
    // it, then the value stays the same and each ask waits the interval.
    expect(calls.slice(1).map((at, i) => at - calls[i]!)).toEqual([0, 3_000, 3_000]);
  });

  it("re-polls at once after Workhorse's own 204 (the queue changed); 204s from Workhorse in a row are spaced so a near-zero polling duration is not hammered", async () => {
    // workhorse/internal/builds/register.go: a held poll is released with a bare 204 (no X-GitLab-Last-Update)
    // when the runner's queue key changes, and at once when the polling duration is (mis)set near zero.
    sim = await startSim({ longPollMs: 0 });
    let fake = 1_000_000;
    const calls: number[] = [];
    const sleep = async (ms: number) => { fake += ms; await new Promise((r) => setImmediate(r)); };
    const real = createGitLabRunnerApi({ gitlabUrl: sim.url, identity: { version: "0.1.0", platform: "linux", architecture: "amd64" }, requestTimeoutMs: 10_000 });
    api = {
      ...real,
      async requestJob() { calls.push(fake); return { kind: "empty", lastUpdate: null }; },
    };
    const queue = { heldCount: async () => 0 } as unknown as DispatchQueue;
    const p = startPoolPoller({
      pool: { name: "linux", upstreamToken: POOL_TOKEN, lookahead: 2 }, features: () => DEFAULT_POOL_FEATURES,
      api, queue, intake: async () => null, freeSlots: async () => 1, capacity: createSignal(),
      jobArrived: () => undefined, systemId: "s_test000000001", concurrency: 1, log: silent,
      pulled: new Counter({ name: "t_pulled2", help: "t", labelNames: ["pool", "result"], registers: [new Registry()] }),
      checkIntervalMs: 3_000, now: () => fake, sleep, random: () => 0,
    });
    stopPoller = () => p.stop();
    await waitFor(() => calls.length >= 5, { what: "five polls" });
    // The first is re-sent at once (after a queue change it would reach Rails); from the second in a row on, requests
    // answered at once by Workhorse start WORKHORSE_REPOLL_SPACING_MS apart: 10 a second, not thousands.
    expect(calls.slice(0, 6).map((at) => at - calls[0]!)).toEqual([0, 0, 1, 2, 3, 4].map((i) => i * WORKHORSE_REPOLL_SPACING_MS));
  });

  it("asks again at once when Workhorse releases a held poll because the queue changed", () => {
    // A poll held 20 s and released by a queue change: no wait at all, whatever the check interval.
    expect(emptyAnswerWaitMs(null, "v1", 3_000)).toBe(0);
    // A second Workhorse 204 in a row: the key did not change (timeout, near-zero polling duration).
    expect(emptyAnswerWaitMs(null, "v1", 3_000, true)).toBe(WORKHORSE_REPOLL_SPACING_MS);
    expect(emptyAnswerWaitMs("v2", "v1", 3_000)).toBe(0);
    expect(emptyAnswerWaitMs("v1", "v1", 3_000)).toBe(3_000);
  });

  it("takes a job created just after its poll parked at Workhorse at once, woken by the job and not by a timer", async () => {
    // Issue 16: a held poll released by a new job (Workhorse's own 204, WatchKeyStatusSeenChange in
    // workhorse/internal/builds/register.go) waited out WORKHORSE_REPOLL_SPACING_MS from its start before asking
    // again: at 10 jobs a second every job came less than 100 ms after the poll parked, and waited ~50 ms at GitLab.
    // Here any wait never ends (only stop() ends it) and the clock stands still (so every poll is "just sent"):
    // the job is taken only if the job itself woke the poller.
    sim = await startSim({ longPollMs: 20_000 });
    const slept: number[] = [];
    const sleep = (ms: number, signal: AbortSignal) => { slept.push(ms); return new Promise<void>((r) => signal.addEventListener("abort", () => r(), { once: true })); };
    let jobs = 0;
    const kinds: string[] = [];
    poller({ checkIntervalMs: 3_000, concurrency: 1, now: () => 1_000_000, sleep, onJob: () => { jobs++; }, onCall: (k) => kinds.push(k) });
    // null → Rails' 204 with the queue value (re-sent at once) → that request parks at Workhorse.
    const stats = async () => ((await (await fetch(`${sim!.url}/sim/stats`, { headers: { "private-token": ADMIN_TOKEN } })).json()) as { jobRequests: number }).jobRequests;
    await waitFor(async () => (await stats()) >= 2, { what: "the poll parked at Workhorse" });
    await sim.enqueueJob({ name: "unit", stage: "test", projectId: 1, tags: ["linux"] });
    await waitFor(() => jobs === 1, { what: "the job taken" });
    expect(kinds.slice(0, 3)).toEqual(["empty", "empty", "job"]);
    expect(slept).toEqual([]);
  });

  it("re-polls at once when Rails' 204 brings a queue value it did not send, so a pool is never deaf after taking a job", async () => {
    // lib/api/ci/runner.rb POST /jobs/request: the 201 carries no X-GitLab-Last-Update, so the ask after a job
    // sends the old value and Rails answers 204 with the new one; the next ask with it parks at Workhorse
    // (workhorse/internal/builds/register.go). Waiting a check interval there missed every job offered meanwhile.
    let fake = 1_000_000;
    const sent: (string | null)[] = [];
    const calls: number[] = [];
    const sleep = async (ms: number) => { fake += ms; await new Promise((r) => setImmediate(r)); };
    const answers = [
      { kind: "job", body: "{}", lastUpdate: null },
      { kind: "empty", lastUpdate: "v2" },
      { kind: "empty", lastUpdate: "v2" },
      { kind: "empty", lastUpdate: "v2" },
    ] as const;
    const fakeApi = {
      async requestJob(_t: string, _s: string, lastUpdate: string | null) {
        sent.push(lastUpdate); calls.push(fake);
        return answers[Math.min(calls.length - 1, answers.length - 1)]!;
      },
    } as unknown as GitLabRunnerApi;
    const p = startPoolPoller({
      pool: { name: "linux", upstreamToken: POOL_TOKEN, lookahead: 2 }, features: () => DEFAULT_POOL_FEATURES,
      api: fakeApi, queue: { heldCount: async () => 0 } as unknown as DispatchQueue, intake: async () => null,
      freeSlots: async () => 1, capacity: createSignal(), jobArrived: () => undefined, systemId: "s_test000000001",
      concurrency: 1, log: silent, checkIntervalMs: 3_000, now: () => fake, sleep, random: () => 0,
      pulled: new Counter({ name: "t_pulled3", help: "t", labelNames: ["pool", "result"], registers: [new Registry()] }),
    });
    stopPoller = () => p.stop();
    await waitFor(() => calls.length >= 4, { what: "four polls" });
    expect(sent.slice(0, 4)).toEqual([null, null, "v2", "v2"]);
    // job → 204 "v2" (changed: ask again now) → 204 "v2" (unchanged: wait the interval).
    expect(calls.slice(0, 4).map((at) => at - calls[0]!)).toEqual([0, 0, 0, 3_000]);
  });

  it("adds no wait after a long poll that already lasted the check interval", async () => {
    sim = await startSim({ longPollMs: 0 });
    let fake = 1_000_000;
    const slept: number[] = [];
    const calls: number[] = [];
    const sleep = async (ms: number) => { slept.push(ms); fake += ms; await new Promise((r) => setImmediate(r)); };
    await new Promise<void>((resolve) => poller({
      checkIntervalMs: 3_000, concurrency: 1, now: () => fake, sleep, onJob: () => undefined,
      // Each request "takes" 5 s, as a Workhorse hold does.
      onCall: () => { fake += 5_000; calls.push(fake); if (calls.length === 3) resolve(); },
    }));
    expect(slept).toEqual([]);
  });

  it("wakes a pool's workers at different moments when a hold ends, never before it", () => {
    const wakes = [0, 0.3, 0.6, 0.999].map((r) => holdWakeDelayMs(30_000, 3_000, () => r));
    expect(new Set(wakes).size).toBe(4);
    for (const wake of wakes) expect(wake).toBeGreaterThanOrEqual(30_000);
    for (const wake of wakes) expect(wake).toBeLessThanOrEqual(31_500);
    // A short hold gets a proportionally short jitter.
    expect(holdWakeDelayMs(200, 3_000, () => 0.999)).toBeLessThanOrEqual(300);
  });

  it("honours Retry-After on 503, and waits the check interval with jitter on 409, 5xx and network errors", () => {
    expect(upstreamRetryDelayMs(503, 30_000, 3_000, () => 0.9)).toBe(30_000);
    expect(upstreamRetryDelayMs(429, 30_000, 3_000, () => 0.9)).toBe(30_000);
    for (const status of [409, 500, 502, 503, "network"] as const) {
      expect(upstreamRetryDelayMs(status, null, 3_000, () => 0)).toBe(3_000);
      expect(upstreamRetryDelayMs(status, null, 3_000, () => 0.999)).toBeLessThanOrEqual(4_500);
    }
    // 409 is not a rate limit: a Retry-After on it does not shorten or lengthen the check interval.
    expect(upstreamRetryDelayMs(409, 60_000, 3_000, () => 0)).toBe(3_000);
    expect(parseRetryAfter("30", 0)).toBe(30_000);
    expect(parseRetryAfter(new Date(60_000).toUTCString(), 0)).toBe(60_000);
    expect(parseRetryAfter("soon", 0)).toBeNull();
    expect(parseRetryAfter(null, 0)).toBeNull();
  });
});

describe("the pool poller stops without dropping a job GitLab is handing over", () => {
  function fakePoller(requestJob: GitLabRunnerApi["requestJob"], intake: () => void) {
    const fakeApi = { requestJob } as unknown as GitLabRunnerApi;
    const queue = { heldCount: async () => 0 } as unknown as DispatchQueue;
    return startPoolPoller({
      pool: { name: "linux", upstreamToken: POOL_TOKEN, lookahead: 2 }, features: () => DEFAULT_POOL_FEATURES,
      api: fakeApi, queue, intake: async () => { intake(); return null; }, freeSlots: async () => 1, capacity: createSignal(),
      jobArrived: () => undefined, systemId: "s_test000000001", concurrency: 1, log: silent,
      pulled: new Counter({ name: "t_pulled_stop", help: "t", labelNames: ["pool", "result"], registers: [new Registry()] }),
      checkIntervalMs: 3_000, random: () => 0,
    });
  }

  it("lets a jobs/request already sent finish, and takes in the job it brings", async () => {
    let sent!: () => void;
    const inFlight = new Promise<void>((r) => { sent = r; });
    let answer!: () => void;
    const taken: string[] = [];
    const p = fakePoller(async (_t, _s, _l, _f, signal) => {
      sent();
      // Like the HTTP client: an aborted request never brings its answer.
      await new Promise<void>((resolve, reject) => { answer = resolve; signal?.addEventListener("abort", () => reject(new Error("aborted"))); });
      return { kind: "job", body: "{}", lastUpdate: null };
    }, () => taken.push("job"));
    await inFlight;
    const stopping = p.stop(10_000);
    // GitLab assigns the job while Switchyard is stopping: the answer must still be taken in.
    answer();
    await stopping;
    expect(taken).toEqual(["job"]);
  });

  it("aborts a request still open when the grace period ends", async () => {
    let aborted = false;
    let sent!: () => void;
    const inFlight = new Promise<void>((r) => { sent = r; });
    const p = fakePoller(async (_t, _s, _l, _f, signal) => {
      sent();
      await new Promise<void>((resolve) => signal?.addEventListener("abort", () => { aborted = true; resolve(); }));
      throw new Error("aborted");
    }, () => undefined);
    await inFlight;
    await p.stop(100);
    expect(aborted).toBe(true);
  });
});

// Issue #16 item 3: a backlog in GitLab moves into Switchyard at once, not one job per round trip, while an
// idle pool still holds one long poll per steady worker at Workhorse (workhorse/internal/builds/register.go).
/** A poller over the sim whose intake takes `intakeMs` per job; reports requests in flight. */
function burstPoller(opts: { burst: number; freeSlots: number; held?: () => number; intakeMs: number }) {
  const real = createGitLabRunnerApi({ gitlabUrl: sim!.url, identity: { version: "0.1.0", platform: "linux", architecture: "amd64" }, requestTimeoutMs: 10_000 });
  const seen = { inFlight: 0, maxInFlight: 0, jobs: 0, empties: 0 };
  api = {
    ...real,
    async requestJob(...args) {
      seen.inFlight++;
      seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
      try {
        const result = await real.requestJob(...args);
        if (result.kind === "empty") seen.empties++;
        return result;
      } finally {
        seen.inFlight--;
      }
    },
  };
  const queue = { heldCount: async () => opts.held?.() ?? 0 } as unknown as DispatchQueue;
  const p = startPoolPoller({
    pool: { name: "linux", upstreamToken: POOL_TOKEN, lookahead: 0 }, features: () => DEFAULT_POOL_FEATURES, api, queue,
    intake: async () => { await new Promise((r) => setTimeout(r, opts.intakeMs)); seen.jobs++; return null; },
    freeSlots: async () => opts.freeSlots, capacity: createSignal(), jobArrived: () => undefined, systemId: "s_test000000001",
    concurrency: 1, burst: opts.burst, log: createLogger({ name: "t", level: "silent" }), checkIntervalMs: 3_000,
    pulled: new Counter({ name: "t_burst_pulled", help: "t", labelNames: ["pool", "result"], registers: [new Registry()] }),
  });
  stopPoller = () => p.stop(100);
  return seen;
}

describe("the pool poller pulls a backlog in parallel", () => {
  it("asks with its burst workers while GitLab hands out jobs, then goes back to one long poll", async () => {
    sim = await startSim({ longPollMs: 20_000 });
    for (let i = 0; i < 30; i++) sim.enqueueJob({ name: `build-${i}`, stage: "build", tags: ["linux"], durationSeconds: 60 });
    const seen = burstPoller({ burst: 4, freeSlots: 100, intakeMs: 20 });
    await waitFor(() => seen.jobs === 30, { what: "30 jobs taken", timeoutMs: 15_000 });
    expect(seen.maxInFlight).toBeGreaterThan(1);
    expect(seen.maxInFlight).toBeLessThanOrEqual(5);
    // The backlog is gone: each burst worker parked at its first empty answer; only the steady one waits at Workhorse.
    await waitFor(() => seen.inFlight === 1 && seen.empties >= 4, { what: "the burst workers parked" });
    const empties = seen.empties;
    await new Promise((r) => setTimeout(r, 300));
    expect(seen.inFlight).toBe(1);
    expect(seen.empties).toBe(empties);
  }, 20_000);

  it("never has more requests out than the pool has free places, burst or not", async () => {
    sim = await startSim({ longPollMs: 20_000 });
    for (let i = 0; i < 30; i++) sim.enqueueJob({ name: `build-${i}`, stage: "build", tags: ["linux"], durationSeconds: 60 });
    // Nothing is ever handed down here, so held = jobs taken: the pool fills its 3 places and stops asking.
    const seen: { jobs: number; maxInFlight: number } = burstPoller({ burst: 8, freeSlots: 3, held: () => seen.jobs, intakeMs: 20 });
    await waitFor(() => seen.jobs >= 3, { what: "3 jobs taken" });
    await new Promise((r) => setTimeout(r, 300));
    expect(seen.jobs).toBe(3);
    expect(seen.maxInFlight).toBeLessThanOrEqual(3);
  }, 20_000);
});
