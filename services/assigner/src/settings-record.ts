import type { AssignerSettings } from "@switchyard/contracts";
import type { Logger } from "@switchyard/runtime";
import type { Redis } from "ioredis";

/**
 * Writes the running config the CLI validates against (AssignerSettingsV1 at `<p>:assigner:settings`):
 * pools, job classes, the public URL. Best effort at start: a CLI that finds no record falls back to its
 * own settings, so a Redis hiccup here must not stop the assigner.
 */
export async function writeAssignerSettings(redis: Redis, key: string, settings: Omit<AssignerSettings, "v" | "at">, log: Logger, now = Date.now): Promise<void> {
  const record: AssignerSettings = { v: 1, ...settings, at: now() };
  await redis.set(key, JSON.stringify(record)).catch((err: unknown) => {
    log.warn({ err: (err as Error).message }, "could not record the running settings for the CLI");
  });
}
