import { Readable } from "node:stream";
import { request } from "undici";

/** The calls gitlab-runner makes, with the headers it sends (research §1.1, §1.2). */
export function runnerClient(baseUrl: string, token: string) {
  const info = { name: "gitlab-runner", version: "18.5.0", revision: "test", platform: "linux", architecture: "amd64", executor: "docker",
    features: { variables: true, artifacts: true, cache: true, trace_reset: true, trace_checksum: true, trace_size: true, cancelable: true, cancel_gracefully: true, two_phase_job_commit: true, upload_multiple_artifacts: true, upload_raw_artifacts: true, refspecs: true, masking: true } };
  const json = { "content-type": "application/json", accept: "application/json", "user-agent": "gitlab-runner 18.5.0 (test)" };
  return {
    async verify() {
      const res = await request(`${baseUrl}/api/v4/runners/verify`, { method: "POST", headers: { ...json, "runner-token": token }, body: JSON.stringify({ token, system_id: "s_test" }) });
      return { status: res.statusCode, body: await res.body.text() };
    },
    async requestJob(lastUpdate?: string) {
      const res = await request(`${baseUrl}/api/v4/jobs/request`, {
        method: "POST", headers: { ...json, "runner-token": token },
        body: JSON.stringify({ token, system_id: "s_test", info, ...(lastUpdate ? { last_update: lastUpdate } : {}) }),
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
}
