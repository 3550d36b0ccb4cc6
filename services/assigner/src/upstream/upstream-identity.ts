import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import type { Redis } from "ioredis";

/** How Switchyard shows itself to GitLab in every `info` it sends (GitLab stores it on the runner manager). */
export interface UpstreamIdentity {
  /** Per replica and stable across its restarts: GitLab keys runner managers by it (Ci::Runner#ensure_manager). */
  systemId: string;
  name: "switchyard";
  version: string;
  platform: string;
  architecture: string;
}

/** This package's version, read once from its package.json (src/ and dist/ sit at the same depth). */
export function switchyardVersion(): string {
  return (createRequire(import.meta.url)("../../package.json") as { version: string }).version;
}

/**
 * The replica's `system_id`: claimed once in Redis under the replica's name and read back ever after.
 * gitlab-runner keeps its own in `.runner_system_id` beside config.toml (configfile.ConfigFile.Load →
 * newSystemIDState), `s_` and 12 hex digits; an assigner has no state directory of its own, and Redis
 * already holds everything else that must survive a restart. HSETNX makes the first claim win, so two
 * processes starting at once under one name still agree.
 */
export async function claimSystemId(redis: Redis, key: string, replicaName: string): Promise<string> {
  await redis.hsetnx(key, replicaName, `s_${randomBytes(6).toString("hex")}`);
  const id = await redis.hget(key, replicaName);
  if (!id) throw new Error(`claim system_id for replica ${replicaName}: not stored`);
  return id;
}

/** gitlab-runner reports Go's GOOS/GOARCH names (common.AppVersionInfo); Node's differ for x64 and win32. */
export function goPlatform(): { platform: string; architecture: string } {
  const arch: Record<string, string> = { x64: "amd64", arm64: "arm64", ia32: "386", arm: "arm", s390x: "s390x", ppc64: "ppc64le" };
  return { platform: process.platform === "win32" ? "windows" : process.platform, architecture: arch[process.arch] ?? process.arch };
}
