import type { IncomingMessage, ServerResponse, OutgoingHttpHeaders } from "node:http";

/** One parsed request as the simulator's handlers see it. */
export interface SimRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly params: Record<string, string>;
  readonly headers: IncomingMessage["headers"];
  readonly body: Buffer;
  readonly remoteAddress: string | null;
  /** Aborted when the client goes away (long polls stop waiting). */
  readonly signal: AbortSignal;
  readonly res: ServerResponse;
}

/** A route handler; it must answer through `reply`/`res`. */
export type Handler = (req: SimRequest) => void | Promise<void>;

/** A method + path pattern (named groups become params) + handler. */
export interface Route { method: string; pattern: RegExp; handler: Handler }

/** Shorthand for a route; `:name` segments become params. */
export function route(method: string, path: string, handler: Handler): Route {
  const pattern = new RegExp(`^${path.replace(/:([a-z_]+)/g, "(?<$1>[^/]+)")}$`);
  return { method, pattern, handler };
}

/** Finds the route for a method and path; `methodMismatch` when only the method differs. */
export function matchRoute(routes: Route[], method: string, path: string): { route: Route; params: Record<string, string> } | "methodMismatch" | undefined {
  let mismatch = false;
  for (const r of routes) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    if (r.method !== method) { mismatch = true; continue; }
    return { route: r, params: { ...(m.groups ?? {}) } };
  }
  return mismatch ? "methodMismatch" : undefined;
}

/** Sends a response; objects and arrays become JSON with `Content-Type: application/json`. */
export function reply(res: ServerResponse, status: number, body?: unknown, headers: OutgoingHttpHeaders = {}): void {
  if (res.headersSent) return;
  if (body === undefined) { res.writeHead(status, headers); res.end(); return; }
  if (Buffer.isBuffer(body)) { res.writeHead(status, { "Content-Length": body.length, ...headers }); res.end(body); return; }
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const type = typeof body === "string" ? "text/plain; charset=utf-8" : "application/json";
  res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** GitLab's error body shape: `{"message": "..."}`. */
export function replyMessage(res: ServerResponse, status: number, message: string, headers: OutgoingHttpHeaders = {}): void {
  reply(res, status, { message }, headers);
}

/** Parses a JSON body (empty → {}); undefined when it is not JSON. */
export function jsonBody(req: SimRequest): Record<string, unknown> | undefined {
  if (req.body.length === 0) return {};
  try {
    const value: unknown = JSON.parse(req.body.toString("utf8"));
    return value && typeof value === "object" ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Body params from JSON or a urlencoded form (gitbeaker sends JSON, curl often forms). */
export function bodyParams(req: SimRequest): Record<string, unknown> | undefined {
  const type = String(req.headers["content-type"] ?? "");
  if (type.includes("application/x-www-form-urlencoded")) return Object.fromEntries(new URLSearchParams(req.body.toString("utf8")));
  return jsonBody(req);
}

/** A header's first value as a string. */
export function header(req: SimRequest, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Reads a whole request body. */
export function readBody(req: IncomingMessage, limitBytes = 256 * 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) { reject(new Error("request body too large")); req.destroy(); return; }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
