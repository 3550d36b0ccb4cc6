import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "@switchyard/runtime";
import { createGitLabClient, GitLabApiError, parseRetryAfter, type GitLabFleetApi } from "../src/index.js";
import { fixtureRunner, startFixtureGitLab, type FixtureGitLab } from "../src/testing/index.js";

const TOKEN = "glpat-fixture-token-0123456789";
const log = createLogger({ name: "test", level: "silent" });

describe("createGitLabClient", () => {
  let gitlab: FixtureGitLab;
  let client: GitLabFleetApi;
  const retries: { status: number | null; delayMs: number }[] = [];

  beforeEach(async () => {
    gitlab = await startFixtureGitLab({ token: TOKEN });
    retries.length = 0;
    client = createGitLabClient({
      url: gitlab.url, token: TOKEN, log, perPage: 2,
      retry: { baseDelayMs: 5, maxDelayMs: 2_000, maxAttempts: 3, requestTimeoutMs: 2_000 },
      onRetry: (info) => retries.push({ status: info.status, delayMs: info.delayMs }),
    });
  });
  afterEach(() => gitlab.close());

  it("lists every runner across pages, authenticating with PRIVATE-TOKEN", async () => {
    for (let id = 1; id <= 5; id++) gitlab.runners.set(id, fixtureRunner(id, { paused: id === 3 }));
    const runners = await client.listRunners();
    expect(runners.map((r) => r.id)).toEqual([1, 2, 3, 4, 5]);
    expect(runners.find((r) => r.id === 3)?.paused).toBe(true);
    const listCalls = gitlab.requests.filter((r) => r.path === "/api/v4/runners/all");
    expect(listCalls).toHaveLength(3);
    expect(listCalls.every((r) => r.authorized)).toBe(true);
  });

  it("shows a runner with its tags, version, protection and last contact", async () => {
    const contactedAt = "2026-01-02T03:04:05.000Z";
    gitlab.runners.set(7, fixtureRunner(7, {
      tag_list: ["docker", "gpu"], version: "17.6.1", access_level: "ref_protected", contacted_at: contactedAt,
      run_untagged: false, status: "offline", online: false,
    }));
    const runner = await client.showRunner(7);
    expect(runner).toMatchObject({
      id: 7, tagList: ["docker", "gpu"], version: "17.6.1", protected: true, runUntagged: false,
      status: "offline", contactedAt: Date.parse(contactedAt),
    });
  });

  it("lists only the running jobs of a runner, across pages", async () => {
    gitlab.runners.set(1, fixtureRunner(1));
    gitlab.jobs.set(1, [
      { id: 11, name: "a", stage: "test", status: "running", ref: "main", pipeline: { id: 5, project_id: 9 } },
      { id: 12, name: "b", stage: "test", status: "success", ref: "main", pipeline: { id: 5, project_id: 9 } },
      { id: 13, name: "c", stage: "build", status: "running", ref: "main", pipeline: { id: 6, project_id: 9 } },
      { id: 14, name: "d", stage: "build", status: "running", ref: "dev", pipeline: { id: 6, project_id: 9 } },
    ]);
    const jobs = await client.runningJobs(1);
    expect(jobs.map((j) => j.id)).toEqual([11, 13, 14]);
    expect(jobs[0]).toMatchObject({ projectId: 9, pipelineId: 5, status: "running" });
  });

  it("pauses and unpauses a runner in GitLab", async () => {
    gitlab.runners.set(4, fixtureRunner(4));
    expect((await client.setPaused(4, true)).paused).toBe(true);
    expect(gitlab.runners.get(4)?.paused).toBe(true);
    expect((await client.setPaused(4, false)).paused).toBe(false);
    expect(gitlab.runners.get(4)?.paused).toBe(false);
  });

  it("waits as long as Retry-After says after a 429, then succeeds", async () => {
    gitlab.runners.set(1, fixtureRunner(1));
    gitlab.fail({ status: 429, retryAfter: "1" });
    const runners = await client.listRunners();
    expect(runners).toHaveLength(1);
    expect(retries).toEqual([{ status: 429, delayMs: 1_000 }]);
    const [first, second] = gitlab.requests;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
  });

  it("retries a 503 with backoff and gives up after the last attempt, saying what it was doing", async () => {
    gitlab.runners.set(1, fixtureRunner(1));
    gitlab.down(503);
    const error = await client.showRunner(1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitLabApiError);
    expect((error as GitLabApiError).status).toBe(503);
    expect((error as GitLabApiError).retryable).toBe(true);
    expect((error as Error).message).toMatch(/^show runner 1: GET \/api\/v4\/runners\/1: HTTP 503/);
    expect(gitlab.requests).toHaveLength(3);
    expect(retries.map((r) => r.status)).toEqual([503, 503]);
  });

  it("does not retry a 404 and never puts the token in the error", async () => {
    const error = await client.showRunner(99).catch((e: unknown) => e) as GitLabApiError;
    expect(error.status).toBe(404);
    expect(error.retryable).toBe(false);
    expect(gitlab.requests).toHaveLength(1);
    expect(JSON.stringify({ message: error.message, stack: error.stack })).not.toContain(TOKEN);
  });

  it("reports an unreachable GitLab as a retryable network failure", async () => {
    await gitlab.close();
    const error = await client.listRunners().catch((e: unknown) => e) as GitLabApiError;
    expect(error).toBeInstanceOf(GitLabApiError);
    expect(error.status).toBeNull();
    expect(error.message).toMatch(/^list runners: GET \/api\/v4\/runners\/all: /);
    expect(retries).toHaveLength(2);
  });
});

describe("parseRetryAfter", () => {
  it.each([
    ["3", 3_000],
    ["0", 0],
    ["1.5", 1_500],
    ["Wed, 21 Oct 2015 07:28:05 GMT", 5_000],
    ["soon", null],
    [undefined, null],
  ])("reads %s as %s ms", (value, expected) => {
    expect(parseRetryAfter(value, Date.parse("Wed, 21 Oct 2015 07:28:00 GMT"))).toBe(expected);
  });
});
