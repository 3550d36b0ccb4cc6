import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { apiError, replyFor, type StubBehaviour, type StubUsage } from "./behaviours.js";

/** One request the stub received: parsed body (or raw text) and headers, in arrival order. */
export interface RecordedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  rawBody: string;
}

/** A running stub of the Anthropic Messages API on 127.0.0.1. */
export interface MessagesApiStub {
  /** Base URL to pass as the SDK's `baseURL`. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  setBehaviour(behaviour: StubBehaviour): void;
  setUsage(usage: StubUsage): void;
  close(): Promise<void>;
}

export interface MessagesApiStubOptions {
  behaviour: StubBehaviour;
  usage?: StubUsage;
  port?: number;
}

/** Starts an HTTP server answering POST /v1/messages as the Messages API would, per the current behaviour. */
export async function startMessagesApiStub(options: MessagesApiStubOptions): Promise<MessagesApiStub> {
  let behaviour = options.behaviour;
  let usage: StubUsage = options.usage ?? { input_tokens: 420, output_tokens: 35 };
  const requests: RecordedRequest[] = [];

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, apiError(500, "api_error", String(err)));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawBody = await readBody(req);
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    let body: unknown = rawBody;
    try { body = JSON.parse(rawBody); } catch { /* recorded as text */ }
    requests.push({ path, headers: req.headers, body, rawBody });
    if (req.method !== "POST" || path !== "/v1/messages") return send(res, apiError(404, "not_found_error", `no route ${req.method} ${path}`));
    if (!req.headers["x-api-key"] && !req.headers.authorization) return send(res, apiError(401, "authentication_error", "x-api-key header is required"));
    let current = behaviour;
    while (current.kind === "slow") {
      const finished = await delayUnlessClosed(current.ms, res);
      if (!finished) return;
      current = current.then;
    }
    send(res, replyFor(current, body, usage));
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setBehaviour(next) { behaviour = next; },
    setUsage(next) { usage = next; },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function send(res: ServerResponse, reply: { status: number; body: string }): void {
  res.writeHead(reply.status, { "content-type": "application/json", "request-id": `req_stub_${Date.now()}` });
  res.end(reply.body);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** Waits `ms`, or gives up early when the client hangs up (an aborted SDK call); true if the wait finished. */
function delayUnlessClosed(ms: number, res: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => { res.off("close", onClose); resolve(true); }, ms);
    const onClose = () => { clearTimeout(timer); resolve(false); };
    res.once("close", onClose);
  });
}
