import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "@switchyard/runtime";
import { createSimClock, type SimClock } from "../clock.js";
import { createGitLabState, type GitLabState } from "./gitlab-state.js";
import { createPipelineRunner, type PipelineRunner } from "./pipelines.js";
import type { RunnerRegistrationInput } from "./model.js";
import { runnerApiRoutes, type RunnerApiKnobs } from "./runner-api.js";
import { restApiRoutes, type RestKnobs } from "./rest-api.js";
import { createRestEntities } from "./rest-entities.js";

/** GitLab's Ci::Runner::ONLINE_CONTACT_TIMEOUT (simulated time). */
export const ONLINE_CONTACT_TIMEOUT_MS = 2 * 3600_000;
import { adminApiRoutes } from "./admin-api.js";
import { matchRoute, readBody, reply, replyMessage, type Route } from "./http-kit.js";

/** Options of the simulated GitLab server. */
export interface SimulatedGitLabOptions {
  host?: string;
  port?: number;
  adminToken: string;
  runners?: RunnerRegistrationInput[];
  clock?: SimClock;
  /** Shortcut for `clock: createSimClock({ speed })`. */
  speed?: number;
  log: Logger;
  longPollMs?: number;
  finalUpdateAcceptedTimes?: number;
  traceUpdateIntervalSeconds?: number;
  rateLimitPerSecond?: number;
  /** Simulated ms since last contact that still count as online (default GitLab's ONLINE_CONTACT_TIMEOUT, 2 h: 2 real minutes at speed 60). */
  onlineTimeoutMs?: number;
  /** Drop running jobs past runner_info.timeout + 15 simulated min (default true, as GitLab does). */
  enforceJobTimeout?: boolean;
  /** Real ms between stale-job sweeps (default 1000). */
  staleCheckIntervalMs?: number;
}

/** A running simulated GitLab: its URL, the in-process state API, live knobs, and close(). */
export interface SimulatedGitLab {
  readonly url: string;
  readonly state: GitLabState;
  readonly pipelines: PipelineRunner;
  readonly knobs: RunnerApiKnobs & RestKnobs;
  /** Shorthands over `state` for tests. */
  enqueueJob: GitLabState["enqueueJob"];
  recordFinishedJob: GitLabState["recordFinishedJob"];
  enqueuePipeline: PipelineRunner["enqueuePipeline"];
  job: GitLabState["job"];
  registerRunner: GitLabState["registerRunner"];
  setPaused: GitLabState["setPaused"];
  close(): Promise<void>;
}

/** Starts the simulated GitLab HTTP server (runner protocol, REST subset, /sim admin endpoints). */
export async function createSimulatedGitLab(options: SimulatedGitLabOptions): Promise<SimulatedGitLab> {
  const log = options.log.child({ component: "sim-gitlab" });
  const clock = options.clock ?? createSimClock({ speed: options.speed ?? 1 });
  const state = createGitLabState({ clock, log, enforceJobTimeout: options.enforceJobTimeout ?? true });
  for (const runner of options.runners ?? []) state.registerRunner(runner);
  const pipelines = createPipelineRunner(state);
  const knobs: RunnerApiKnobs & RestKnobs = {
    longPollMs: options.longPollMs ?? 50_000,
    finalUpdateAcceptedTimes: options.finalUpdateAcceptedTimes ?? 0,
    traceUpdateIntervalSeconds: options.traceUpdateIntervalSeconds ?? 60,
    rateLimitPerSecond: options.rateLimitPerSecond ?? 0,
    jobRequestFault: null,
    jobRequests: 0,
  };
  let url = "";
  const serverUrl = () => url;
  const entities = createRestEntities(state, options.onlineTimeoutMs ?? ONLINE_CONTACT_TIMEOUT_MS);
  const routes: Route[] = [
    ...runnerApiRoutes({ state, knobs, serverUrl, log }),
    ...restApiRoutes({ state, entities, adminToken: options.adminToken, knobs, serverUrl }),
    ...adminApiRoutes({ state, pipelines, knobs, adminToken: options.adminToken }),
  ];

  const server: Server = createServer((req, res) => {
    const parsed = new URL(req.url ?? "/", "http://sim");
    const found = matchRoute(routes, req.method ?? "GET", parsed.pathname);
    if (found === undefined) { replyMessage(res, 404, "404 Not Found"); req.resume(); return; }
    if (found === "methodMismatch") { replyMessage(res, 405, "405 Method Not Allowed"); req.resume(); return; }
    const aborter = new AbortController();
    res.on("close", () => aborter.abort());
    readBody(req)
      .then((body) => found.route.handler({
        method: req.method ?? "GET", path: parsed.pathname, query: parsed.searchParams, params: found.params,
        headers: req.headers, body, remoteAddress: req.socket.remoteAddress ?? null, signal: aborter.signal, res,
      }))
      .catch((err: unknown) => {
        log.error({ err, path: parsed.pathname }, "sim request failed");
        reply(res, 500, { message: "500 Internal Server Error" });
      });
  });
  server.keepAliveTimeout = 65_000;
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  url = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${address.port}`;
  const sweeper = setInterval(() => state.reapStale(), options.staleCheckIntervalMs ?? 1000);
  sweeper.unref();
  log.info({ url, runners: state.runners().length }, "simulated GitLab listening");

  return {
    url, state, pipelines, knobs,
    enqueueJob: state.enqueueJob, recordFinishedJob: state.recordFinishedJob, enqueuePipeline: pipelines.enqueuePipeline, job: state.job,
    registerRunner: state.registerRunner, setPaused: state.setPaused,
    async close() {
      clearInterval(sweeper);
      pipelines.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
