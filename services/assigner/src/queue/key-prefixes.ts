import type { RedisKeys } from "@switchyard/runtime";

/**
 * The key prefixes the queue's scripts complete themselves (lua.ts), where the rest of a key is read in the
 * script (a held job's pool, project and environment; the runners of a polling set). Taken from redis-keys.ts,
 * so the layout stays defined there.
 */
export interface KeyPrefixes {
  queue: string;
  held: string;
  reserved: string;
  projectLoad: string;
  /** `deployOrder(project, environment)` less `<project>:<environment>`. */
  deployOrder: string;
}

export function keyPrefixes(keys: RedisKeys): KeyPrefixes {
  const deploy = keys.deployOrder(0, "");
  return {
    queue: keys.queue(""), held: keys.held(""), reserved: keys.reserved(""), projectLoad: keys.projectLoad(""),
    deployOrder: deploy.slice(0, deploy.length - "0:".length),
  };
}
