import { pathToFileURL } from "node:url";
import { isAbsolute, resolve } from "node:path";
import type { Provisioner } from "./provisioner.js";

/** What a provisioner module may export: an object implementing Provisioner, or a factory building one. */
export type ProvisionerFactory = (options: { owner: string }) => Provisioner | Promise<Provisioner>;

const METHODS = ["create", "list", "status", "destroy"] as const;

/** Checks that a value implements every Provisioner method; throws naming the missing ones. */
export function asProvisioner(value: unknown, source: string): Provisioner {
  const missing = METHODS.filter((m) => typeof (value as Record<string, unknown> | null)?.[m] !== "function");
  if (missing.length > 0) throw new Error(`${source}: not a provisioner (missing ${missing.join(", ")})`);
  return value as Provisioner;
}

/**
 * Loads a provisioner from a module path (relative to the working directory) and export name
 * (default `default`): an object is used as is, a function is called with `{ owner }`.
 */
export async function loadModuleProvisioner(path: string, exportName: string, owner: string): Promise<Provisioner> {
  const url = pathToFileURL(isAbsolute(path) ? path : resolve(process.cwd(), path)).href;
  const mod = (await import(url)) as Record<string, unknown>;
  const exported = mod[exportName];
  if (exported === undefined) throw new Error(`provisioner module ${path}: no export "${exportName}"`);
  const value = typeof exported === "function" ? await (exported as ProvisionerFactory)({ owner }) : exported;
  return asProvisioner(value, `provisioner module ${path}#${exportName}`);
}
