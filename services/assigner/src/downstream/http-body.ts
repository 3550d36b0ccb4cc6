import type { IncomingMessage } from "node:http";
import { pipeline, Transform } from "node:stream";

/** A request body over the size limit: answered with 413, never buffered whole. */
export class BodyTooLarge extends Error {
  readonly code = "BODY_TOO_LARGE";
  constructor(limit: number) { super(`request body over ${limit} bytes`); }
}

/** A request body that did not arrive in time: answered with 408, and the connection is closed. */
export class BodyTimeout extends Error {
  readonly code = "BODY_TIMEOUT";
  constructor(readonly ms: number, readonly kind: "deadline" | "idle") {
    super(kind === "deadline" ? `request body not complete within ${ms} ms` : `request body stalled for ${ms} ms`);
  }
}

/**
 * Reads a small request body (JSON endpoints) with a hard size limit and a deadline: gitlab-runner
 * sends these few kilobytes at once, so a body still trickling in after `deadlineMs` is a slow-body
 * attack holding a socket and a buffer, not a runner.
 */
export function readBody(req: IncomingMessage, limit: number, deadlineMs = 30_000): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLarge(limit));
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // Stop reading; the caller answers 413 or 408 and closes the connection.
    const stop = (err: Error) => { clearTimeout(timer); req.off("data", onData); req.pause(); reject(err); };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return stop(new BodyTooLarge(limit));
      chunks.push(chunk);
    };
    const timer = setTimeout(() => stop(new BodyTimeout(deadlineMs, "deadline")), deadlineMs);
    req.on("data", onData);
    req.once("end", () => { clearTimeout(timer); resolve(Buffer.concat(chunks)); });
    req.once("error", (err) => { clearTimeout(timer); reject(err); });
  });
}

/**
 * The request body as a stream that calls `onIdle` when no byte arrives for `idleMs` (trace and
 * artifact uploads: any size, any duration). A large upload on a slow link goes on as long as it
 * moves; one that stalls is ended. A Transform, not a listener on `req`, so no chunk is lost to
 * whoever reads the body later.
 */
export function idleGuardedBody(req: IncomingMessage, idleMs: number, onIdle: () => void): Transform {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => { clearTimeout(timer); timer = setTimeout(() => { clearTimeout(timer); onIdle(); }, idleMs); };
  const guard = new Transform({
    transform(chunk: Buffer, _encoding, done) { arm(); done(null, chunk); },
    flush(done) { clearTimeout(timer); done(); },
  });
  guard.once("close", () => clearTimeout(timer));
  arm();
  // A client that goes away mid-body ends the guarded stream with its error; the proxy reports it.
  pipeline(req, guard, () => clearTimeout(timer));
  return guard;
}

/** Parses a JSON object body; null when it is not one. */
export function parseJsonObject(body: Buffer): Record<string, unknown> | null {
  if (body.length === 0) return {};
  try {
    const value: unknown = JSON.parse(body.toString("utf8"));
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
