import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import type { Logger } from "./logger.js";

/** Answers a request it owns and returns true, or returns false to pass it on. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

export interface AgentHttpServer {
  readonly server: Server;
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export interface AgentHttpOptions {
  host: string;
  port: number;
  registry: Registry;
  /** Ready once connections are up and the agent's loop runs. */
  isReady: () => boolean;
  routes?: RouteHandler[];
  /** Where a failed request's cause goes; never into the answer. */
  log?: Logger;
}

/** Serves /metrics, /healthz and /readyz, then any extra routes; port 0 picks a free port. */
export async function startAgentHttpServer(options: AgentHttpOptions): Promise<AgentHttpServer> {
  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      // The cause stays out of the answer: error text can carry paths, keys or tokens.
      options.log?.error({ err: (err as Error).message, path: req.url?.split("?")[0] }, "http request failed");
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end("500 Internal Server Error\n");
    });
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === "/metrics") {
      res.writeHead(200, { "content-type": options.registry.contentType });
      res.end(await options.registry.metrics());
      return;
    }
    if (req.method === "GET" && path === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
      return;
    }
    if (req.method === "GET" && path === "/readyz") {
      const ready = options.isReady();
      res.writeHead(ready ? 200 : 503, { "content-type": "text/plain" }).end(ready ? "ready\n" : "not ready\n");
      return;
    }
    for (const route of options.routes ?? []) {
      if (await route(req, res)) return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
  }
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: `http://${options.host}:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
