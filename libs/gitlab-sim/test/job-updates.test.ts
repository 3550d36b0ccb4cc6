import { afterEach, describe, expect, it } from "vitest";
import type { SimulatedGitLab } from "../src/index.js";
import { ADMIN, RUNNERS, call, runningJob, startSim } from "./support.js";

let sim: SimulatedGitLab;
afterEach(async () => { await sim.close(); });

const put = (id: number, body: Record<string, unknown>, headers: Record<string, string> = {}) => call(`${sim.url}/api/v4/jobs/${id}`, "PUT", body, headers);
const patch = (id: number, token: string, range: string | null, data: string) =>
  call(`${sim.url}/api/v4/jobs/${id}/trace`, "PATCH", data, { "JOB-TOKEN": token, "Content-Type": "text/plain", ...(range ? { "Content-Range": range } : {}) });

describe("job updates: PUT /jobs/:id", () => {
  it("answers 200 to state=running and finishes the job on success with its exit code", async () => {
    sim = await startSim();
    const job = await runningJob(sim);
    expect((await put(job.id, { token: job.token, state: "running" })).status).toBe(200);
    const done = await put(job.id, { token: job.token, state: "success", exit_code: 0, output: { checksum: "crc32:00000000", bytesize: 0 } });
    expect(done.status).toBe(200);
    expect(sim.job(job.id)).toMatchObject({ status: "success", exitCode: 0, failureReason: null });
  });

  it("records failed with the runner's failure_reason, and takes the job token from the JOB-TOKEN header", async () => {
    sim = await startSim();
    const job = await runningJob(sim);
    expect((await put(job.id, { state: "failed", failure_reason: "script_failure", exit_code: 2 }, { "JOB-TOKEN": job.token })).status).toBe(200);
    expect(sim.job(job.id)).toMatchObject({ status: "failed", failureReason: "script_failure", exitCode: 2 });
  });

  it("answers 403 to a wrong token and 400 to an unknown state", async () => {
    sim = await startSim();
    const job = await runningJob(sim);
    expect((await put(job.id, { token: "glcbt-64_wrong", state: "running" })).status).toBe(403);
    expect((await put(job.id, { token: job.token, state: "exploded" })).status).toBe(400);
  });

  it("answers 202 with X-GitLab-Trace-Update-Interval to the first N final updates when the knob is set", async () => {
    sim = await startSim({ finalUpdateAcceptedTimes: 2, traceUpdateIntervalSeconds: 3 });
    const job = await runningJob(sim);
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      const res = await put(job.id, { token: job.token, state: "success" });
      statuses.push(res.status);
      if (res.status === 202) expect(res.headers.get("x-gitlab-trace-update-interval")).toBe("3");
    }
    expect(statuses).toEqual([202, 202, 200]);
    expect(sim.job(job.id)?.status).toBe("success");
  });

  it("answers 403 with Job-Status: canceled to PUT and PATCH after the job is canceled through REST", async () => {
    sim = await startSim();
    const job = await runningJob(sim);
    const cancel = await call(`${sim.url}/api/v4/projects/1/jobs/${job.id}/cancel`, "POST", undefined, { "PRIVATE-TOKEN": ADMIN });
    expect(cancel.status).toBe(201);
    expect(cancel.json.status).toBe("canceled");
    const res = await put(job.id, { token: job.token, state: "running" });
    expect(res.status).toBe(403);
    expect(res.headers.get("job-status")).toBe("canceled");
    expect(res.json.message).toBe("403 Forbidden - Job is not running");
    const tr = await patch(job.id, job.token, "0-1", "hi");
    expect(tr.status).toBe(403);
    expect(tr.headers.get("job-status")).toBe("canceled");
  });
});

describe("job trace: PATCH /jobs/:id/trace", () => {
  it("appends chunks with Content-Range and answers 202 with Job-Status, Range and the update interval", async () => {
    sim = await startSim();
    const job = await runningJob(sim);
    const a = await patch(job.id, job.token, "0-5", "hello\n");
    expect(a.status).toBe(202);
    expect(a.headers.get("range")).toBe("0-6");
    expect(a.headers.get("job-status")).toBe("running");
    expect(a.headers.get("x-gitlab-trace-update-interval")).toBe("60");
    expect((await patch(job.id, job.token, "6-11", "world\n")).headers.get("range")).toBe("0-12");
    expect(sim.job(job.id)?.traceSize).toBe(12);
  });

  it("answers 416 with Range 0-<size> when the chunk does not start at the current size", async () => {
    sim = await startSim();
    const job = await runningJob(sim);
    await patch(job.id, job.token, "0-3", "abcd");
    const res = await patch(job.id, job.token, "2-5", "cdef");
    expect(res.status).toBe(416);
    expect(res.headers.get("range")).toBe("0-4");
    expect(sim.job(job.id)?.traceSize).toBe(4);
  });

  it("answers 400 when Content-Range is missing", async () => {
    sim = await startSim();
    const job = await runningJob(sim);
    expect((await patch(job.id, job.token, null, "x")).status).toBe(400);
  });
});

describe("artifacts", () => {
  it("stores a multipart upload and serves it through a 302 redirect to object storage", async () => {
    sim = await startSim();
    const job = await runningJob(sim);
    const form = new FormData();
    form.append("file", new Blob([Buffer.from("PK-zip-bytes")]), "artifacts.zip");
    const up = await fetch(`${sim.url}/api/v4/jobs/${job.id}/artifacts?artifact_format=zip&artifact_type=archive`, { method: "POST", headers: { "JOB-TOKEN": job.token }, body: form });
    expect(up.status).toBe(201);
    expect(sim.job(job.id)?.artifact).toEqual({ filename: "artifacts.zip", size: 12 });
    const dependent = await runningJob(sim, RUNNERS.shared.token);
    const down = await fetch(`${sim.url}/api/v4/jobs/${job.id}/artifacts`, { headers: { "JOB-TOKEN": dependent.token }, redirect: "manual" });
    expect(down.status).toBe(302);
    const location = down.headers.get("location")!;
    expect(location).toContain("/sim-object-storage/");
    const object = await fetch(location);
    expect(object.status).toBe(200);
    expect(Buffer.from(await object.arrayBuffer()).toString()).toBe("PK-zip-bytes");
  });

  it("refuses an artifact download without a running job's token", async () => {
    sim = await startSim();
    const job = await runningJob(sim);
    expect((await fetch(`${sim.url}/api/v4/jobs/${job.id}/artifacts`, { redirect: "manual" })).status).toBe(401);
  });
});
