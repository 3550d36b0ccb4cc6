import type { Bus, Logger, RedisKeys, RouteHandler } from "@switchyard/runtime";
import type { Redis } from "ioredis";
import { createApprovalReplier } from "./approval-replies.js";
import { createDashboardAuth } from "./auth.js";
import { createDashboardRoutes } from "./routes.js";
import { createSnapshotReader } from "./snapshot.js";

/** What the dashboard needs from the monitor's composition root. */
export interface DashboardDeps {
  redis: Redis;
  keys: RedisKeys;
  bus: Bus;
  log: Logger;
  /** Token that unlocks approve/reject; without it the dashboard is read-only. Never logged. */
  token: string | undefined;
  diskThreshold: number;
  refreshMs: number;
  now?: () => number;
}

/** Builds the dashboard's HTTP routes (`/dashboard`, `/dashboard/panels`, approvals) for `rt.addRoute`. */
export function createDashboard(deps: DashboardDeps): RouteHandler {
  const now = deps.now ?? Date.now;
  return createDashboardRoutes({
    read: createSnapshotReader({ redis: deps.redis, keys: deps.keys, now }),
    auth: createDashboardAuth(deps.token),
    replier: createApprovalReplier({ bus: deps.bus, log: deps.log.child({ component: "approvals" }), now }),
    log: deps.log,
    diskThreshold: deps.diskThreshold,
    refreshMs: deps.refreshMs,
  });
}
