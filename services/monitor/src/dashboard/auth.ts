import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

/** Name of the HttpOnly session cookie; its value proves the token without containing it. */
export const SESSION_COOKIE = "sy_dashboard";

/** Who may answer approvals, derived from the configured token; null token = nobody. */
export interface DashboardAuth {
  readonly configured: boolean;
  /** True when the candidate equals the configured token (constant time). */
  checkToken(candidate: string): boolean;
  /** Set-Cookie value that signs `name` in. */
  sessionCookie(name: string): string;
  /** Set-Cookie value that signs out. */
  clearCookie(): string;
  /** The signed-in name from the request's cookie, or null. */
  signedIn(req: IncomingMessage): string | null;
}

/** A name safe to show and to send as ApprovalAnswerV1.by (the name given); anything else becomes "dashboard". */
export function approverName(raw: string | undefined | null): string {
  const name = (raw ?? "").trim();
  return /^[A-Za-z0-9_@-]{1,64}$/.test(name) ? name : "dashboard";
}

/** Parses a Cookie header into name → value (last one wins). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0) out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

const digest = (value: string) => createHash("sha256").update(value).digest();

/** Builds the token check and the signed session cookie; the token itself never leaves this closure. */
export function createDashboardAuth(token: string | undefined, options: { maxAgeSeconds?: number } = {}): DashboardAuth {
  const maxAge = options.maxAgeSeconds ?? 12 * 3600;
  const sign = (name: string) => createHmac("sha256", token ?? "").update(`switchyard-dashboard-session:v1:${name}`).digest("base64url");
  const attributes = `Path=/dashboard; HttpOnly; SameSite=Strict`;
  return {
    configured: token !== undefined,
    checkToken(candidate) {
      if (token === undefined) return false;
      return timingSafeEqual(digest(candidate), digest(token));
    },
    sessionCookie: (name) => `${SESSION_COOKIE}=${approverName(name)}.${sign(approverName(name))}; ${attributes}; Max-Age=${maxAge}`,
    clearCookie: () => `${SESSION_COOKIE}=; ${attributes}; Max-Age=0`,
    signedIn(req) {
      if (token === undefined) return null;
      const value = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
      const dot = value?.lastIndexOf(".") ?? -1;
      if (!value || dot <= 0) return null;
      const name = value.slice(0, dot);
      const mac = Buffer.from(value.slice(dot + 1));
      const expected = Buffer.from(sign(name));
      return mac.length === expected.length && timingSafeEqual(mac, expected) && approverName(name) === name ? name : null;
    },
  };
}
