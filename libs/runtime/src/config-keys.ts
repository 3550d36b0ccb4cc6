import { closest, distance } from "fastest-levenshtein";
import type { z } from "zod";

/** The parts of Zod 4's internal schema definition this walk reads. */
interface SchemaDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
}

function defOf(schema: z.ZodType): SchemaDef {
  return (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
}

/** Wrappers that hold another schema and do not change the shape of the value. */
const WRAPPERS = new Set(["optional", "nullable", "default", "prefault", "catch", "readonly", "nonoptional"]);

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    if (WRAPPERS.has(def.type) && def.innerType) current = def.innerType;
    else if (def.type === "pipe" && def.in) current = def.in;
    else return current;
  }
}

/** The known key closest to a typo, when it is close enough to be the likely meaning. */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined;
  const best = closest(key, [...known]);
  const limit = Math.max(2, Math.floor(key.length / 3));
  return distance(key.toLowerCase(), best.toLowerCase()) <= limit ? best : undefined;
}

function pathText(path: readonly (string | number)[]): string {
  return path.reduce<string>((text, part) => (typeof part === "number" ? `${text}[${part}]` : text ? `${text}.${part}` : part), "");
}

/**
 * Keys a config file sets that the schema does not know. Zod strips unknown keys silently, so a
 * typo such as `lookahed` would otherwise leave the default in force without a word; each problem
 * names the key's full path and, when one is close, the key that was probably meant.
 */
export function unknownKeyProblems(schema: z.ZodType, value: unknown, path: (string | number)[] = []): string[] {
  const def = defOf(unwrap(schema));
  if (value === null || typeof value !== "object") return [];
  if (def.type === "array" && def.element && Array.isArray(value)) {
    return value.flatMap((item, i) => unknownKeyProblems(def.element as z.ZodType, item, [...path, i]));
  }
  if (def.type === "record" && def.valueType && !Array.isArray(value)) {
    return Object.entries(value).flatMap(([k, v]) => unknownKeyProblems(def.valueType as z.ZodType, v, [...path, k]));
  }
  if (def.type !== "object" || !def.shape || Array.isArray(value)) return [];
  // An object with a catch-all (passthrough or an explicit value schema) accepts any key on purpose.
  const open = def.catchall !== undefined && defOf(def.catchall).type !== "never";
  const known = Object.keys(def.shape);
  const problems: string[] = [];
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const field = def.shape[key];
    if (field) { problems.push(...unknownKeyProblems(field, child, [...path, key])); continue; }
    if (open) continue;
    const guess = nearestKey(key, known);
    problems.push(`${pathText([...path, key])}: unknown key${guess ? `; did you mean "${guess}"?` : ""}`);
  }
  return problems;
}
