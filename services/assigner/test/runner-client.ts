import { Readable } from "node:stream";
import { request } from "undici";
import { runnerInfo } from "@switchyard/gitlab-sim";

/** What a test runner sends beyond its token: gitlab-runner 18.x's own `info` unless told otherwise. */
export interface RunnerClientOptions {
  /** Features to turn off or add on top of gitlab-runner 18.x's full set. */
  features?: Record<string, boolean>;
  systemId?: string;
  /** The session gitlab-runner sends when its session_server is configured. */
  session?: Record<string, string>;
  /** gitlab-runner's request_concurrency: how many jobs/request `requestJobs` holds at once (default 1). */
  requestConcurrency?: number;
}

/** The calls gitlab-runner makes, with the headers and `info` it sends (research §1.1, §1.2, §1.4). */
export function runnerClient(baseUrl: string, token: string, options: RunnerClientOptions = {}) {
  const info = runnerInfo("gitlab-runner", options.features);
  const systemId = options.systemId ?? "s_0123456789ab";
  const json = { "content-type": "application/json", accept: "application/json", "user-agent": `gitlab-runner ${String(info.version)} (test)` };
  const client = {
    async verify() {
      const res = await request(`${baseUrl}/api/v4/runners/verify`, { method: "POST", headers: { ...json, "runner-token": token }, body: JSON.stringify({ token, system_id: systemId, info }) });
      return { status: res.statusCode, body: await res.body.text() };
    },
    async requestJob(lastUpdate?: string) {
      const res = await request(`${baseUrl}/api/v4/jobs/request`, {
        method: "POST", headers: { ...json, "runner-token": token },
        body: JSON.stringify({ token, system_id: systemId, info, ...(options.session ? { session: options.session } : {}), ...(lastUpdate ? { last_update: lastUpdate } : {}) }),
        headersTimeout: 120_000, bodyTimeout: 120_000,
      });
      const text = await res.body.text();
      return {
        status: res.statusCode,
        lastUpdate: res.headers["x-gitlab-last-update"] as string | undefined,
        contentType: res.headers["content-type"] as string | undefined,
        job: res.statusCode === 201 ? (JSON.parse(text) as Record<string, any>) : null,
      };
    },
    /**
     * `requestConcurrency` polls at once, each with the same `last_update`: gitlab-runner's workers share
     * one runner's credentials and last-update value (commands/builds_helper.go acquireRequest,
     * network/gitlab.go PrepareJobRequest → getLastUpdate).
     */
    requestJobs(lastUpdate?: string) {
      return Promise.all(Array.from({ length: options.requestConcurrency ?? 1 }, () => client.requestJob(lastUpdate)));
    },
    async updateJob(jobId: number, jobToken: string, state: string, extra: Record<string, unknown> = {}) {
      const res = await request(`${baseUrl}/api/v4/jobs/${jobId}`, {
        method: "PUT", headers: { ...json, "job-token": jobToken },
        body: JSON.stringify({ token: jobToken, state, info, output: { checksum: "crc32:00000000", bytesize: 0 }, ...extra }),
      });
      await res.body.dump();
      return { status: res.statusCode, jobStatus: res.headers["job-status"], interval: res.headers["x-gitlab-trace-update-interval"] };
    },
    async patchTrace(jobId: number, jobToken: string, start: number, content: string) {
      const res = await request(`${baseUrl}/api/v4/jobs/${jobId}/trace?debug_trace=false`, {
        method: "PATCH", headers: { "content-type": "text/plain", "job-token": jobToken, "content-range": `${start}-${start + Buffer.byteLength(content) - 1}` },
        body: content,
      });
      await res.body.dump();
      return { status: res.statusCode, range: res.headers.range as string | undefined, jobStatus: res.headers["job-status"] };
    },
    async uploadArtifact(jobId: number, jobToken: string, bytes: Buffer) {
      const boundary = "----switchyardtest";
      const body = Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="artifacts.zip"\r\nContent-Type: application/octet-stream\r\n\r\n`),
        bytes,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      const res = await request(`${baseUrl}/api/v4/jobs/${jobId}/artifacts?artifact_format=zip&artifact_type=archive`, {
        method: "POST", headers: { "job-token": jobToken, "content-type": `multipart/form-data; boundary=${boundary}` },
        // A stream of unknown length goes out chunked, as gitlab-runner streams artifacts.
        body: Readable.from((function* chunked() { for (let i = 0; i < body.length; i += 64 * 1024) yield body.subarray(i, i + 64 * 1024); })()),
      });
      await res.body.dump();
      return { status: res.statusCode };
    },
    async downloadArtifact(jobId: number, jobToken: string) {
      const res = await request(`${baseUrl}/api/v4/jobs/${jobId}/artifacts?direct_download=true`, { method: "GET", headers: { "job-token": jobToken } });
      await res.body.dump();
      return { status: res.statusCode, location: res.headers.location as string | undefined };
    },
    async raw(path: string, init: { method: string; headers?: Record<string, string>; body?: string | Buffer }) {
      const res = await request(`${baseUrl}${path}`, init);
      return { status: res.statusCode, body: await res.body.text() };
    },
  };
  return client;
}
