import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A runner as the fixture stores it: GitLab's snake_case JSON for `GET /runners/:id`. */
export type FixtureRunner = Record<string, unknown> & { id: number };

/** One request the fixture saw (without the token's value). */
export interface FixtureRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  authorized: boolean;
  at: number;
}

/** A canned failure answered before the next matching request is served. */
export interface FixtureFailure {
  status: number;
  retryAfter?: string;
  /** Only requests whose path matches fail; every path when absent. */
  path?: RegExp;
}

/**
 * A tiny GitLab REST stand-in for tests (runners, their running jobs, pause), with GitLab's
 * offset pagination headers, PRIVATE-TOKEN auth and injectable 429/5xx answers.
 */
export interface FixtureGitLab {
  readonly url: string;
  readonly requests: FixtureRequest[];
  readonly runners: Map<number, FixtureRunner>;
  readonly jobs: Map<number, Record<string, unknown>[]>;
  /** Queues failures answered in order to the next matching requests. */
  fail(...failures: FixtureFailure[]): void;
  /** Answers every request with this status until cleared with `down(null)`. */
  down(status: number | null): void;
  close(): Promise<void>;
}

/** Builds GitLab's JSON for a runner with sensible defaults. */
export function fixtureRunner(id: number, fields: Record<string, unknown> = {}): FixtureRunner {
  return {
    id, description: `runner-${id}`, name: "gitlab-runner", ip_address: "10.0.0.1", is_shared: true,
    runner_type: "instance_type", online: true, status: "online", paused: false, active: true,
    architecture: "amd64", platform: "linux", contacted_at: new Date().toISOString(), revision: "abc123",
    tag_list: ["docker"], version: "17.5.0", access_level: "not_protected", maximum_timeout: null,
    run_untagged: true, locked: false, projects: [], groups: [],
    ...fields,
  };
}

const LIST_FIELDS = ["id", "description", "ip_address", "is_shared", "runner_type", "name", "online", "status", "paused", "active"];

export async function startFixtureGitLab(options: { token: string }): Promise<FixtureGitLab> {
  const requests: FixtureRequest[] = [];
  const runners = new Map<number, FixtureRunner>();
  const jobs = new Map<number, Record<string, unknown>[]>();
  const failures: FixtureFailure[] = [];
  let downStatus: number | null = null;
  let baseUrl = "";

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
  }

  function paginate(res: ServerResponse, url: URL, items: unknown[]): void {
    const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get("per_page") ?? 20)));
    const page = Math.max(1, Number(url.searchParams.get("page") ?? 1));
    const totalPages = Math.max(1, Math.ceil(items.length / perPage));
    const pageUrl = (n: number) => {
      const u = new URL(url.pathname + url.search, baseUrl);
      u.searchParams.set("page", String(n));
      u.searchParams.set("per_page", String(perPage));
      return u.toString();
    };
    const links = [`<${pageUrl(1)}>; rel="first"`, `<${pageUrl(totalPages)}>; rel="last"`];
    if (page < totalPages) links.unshift(`<${pageUrl(page + 1)}>; rel="next"`);
    if (page > 1) links.unshift(`<${pageUrl(page - 1)}>; rel="prev"`);
    send(res, 200, items.slice((page - 1) * perPage, page * perPage), {
      "x-total": String(items.length), "x-total-pages": String(totalPages), "x-per-page": String(perPage),
      "x-page": String(page), "x-next-page": page < totalPages ? String(page + 1) : "",
      "x-prev-page": page > 1 ? String(page - 1) : "", link: links.join(", "),
    });
  }

  async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    if (!text) return {};
    if ((req.headers["content-type"] ?? "").includes("json")) return JSON.parse(text) as Record<string, unknown>;
    return Object.fromEntries(new URLSearchParams(text));
  }

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", baseUrl);
      const authorized = req.headers["private-token"] === options.token;
      requests.push({ method: req.method ?? "GET", path: url.pathname, query: url.searchParams, authorized, at: Date.now() });
      if (downStatus !== null) return send(res, downStatus, { message: `${downStatus} fixture down` });
      const failure = failures.findIndex((f) => !f.path || f.path.test(url.pathname));
      if (failure >= 0) {
        const [f] = failures.splice(failure, 1);
        return send(res, f!.status, { message: `${f!.status} fixture failure` }, f!.retryAfter ? { "retry-after": f!.retryAfter } : {});
      }
      if (!authorized) return send(res, 401, { message: "401 Unauthorized" });
      const parts = url.pathname.replace(/^\/api\/v4\//, "").split("/");
      if (req.method === "GET" && parts[0] === "runners" && parts[1] === "all" && parts.length === 2) {
        const list = [...runners.values()].sort((a, b) => a.id - b.id)
          .map((r) => Object.fromEntries(LIST_FIELDS.map((k) => [k, r[k]])));
        return paginate(res, url, list);
      }
      const runner = parts[0] === "runners" ? runners.get(Number(parts[1])) : undefined;
      if (!runner) return send(res, 404, { message: "404 Not found" });
      if (req.method === "GET" && parts.length === 2) return send(res, 200, runner);
      if (req.method === "GET" && parts[2] === "jobs" && parts.length === 3) {
        const status = url.searchParams.get("status");
        return paginate(res, url, (jobs.get(runner.id) ?? []).filter((j) => !status || j.status === status));
      }
      if (req.method === "PUT" && parts.length === 2) {
        const body = await readBody(req);
        if (body.paused !== undefined) {
          runner.paused = body.paused === true || body.paused === "true";
          runner.active = !runner.paused;
        }
        return send(res, 200, runner);
      }
      return send(res, 404, { message: "404 Not found" });
    })().catch((err: unknown) => send(res, 500, { message: (err as Error).message }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: baseUrl, requests, runners, jobs,
    fail: (...f) => { failures.push(...f); },
    down: (status) => { downStatus = status; },
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}
