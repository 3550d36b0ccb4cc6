import type { IncomingMessage } from "node:http";

/** A request body over the size limit: answered with 413, never buffered whole. */
export class BodyTooLarge extends Error {
  readonly code = "BODY_TOO_LARGE";
  constructor(limit: number) { super(`request body over ${limit} bytes`); }
}

/** Reads a small request body (JSON endpoints) with a hard size limit. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLarge(limit);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
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

/** First value of a header, lower-cased name. */
export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
