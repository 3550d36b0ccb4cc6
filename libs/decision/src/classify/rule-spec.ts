import { z } from "zod";
import { SUBJECT_TOKEN, TrustTierSchema, type TrustTier } from "@switchyard/contracts";

/**
 * One matcher on a CI variable. An unset variable matches only `{ set: false }` and `{ notIn }`.
 * - `"value"`: equals exactly
 * - `{ regex }`: JavaScript regular expression, unanchored (write `^…$` to anchor)
 * - `{ in }` / `{ notIn }`: one of / none of the listed values
 * - `{ equalsVar }`: equals another variable's value (both set)
 * - `{ set }`: the variable is set and non-empty (`true`) or unset/empty (`false`)
 */
export type VariableMatcher =
  | string
  | { regex: string }
  | { in: string[] }
  | { notIn: string[] }
  | { equalsVar: string }
  | { set: boolean };

/** A classification rule as written in config: every matcher must hold; the first matching rule wins. */
export interface ClassRuleSpec {
  /** Unique rule name, used in errors and as the class when `jobClass` is absent. */
  name: string;
  /** The class the rule assigns (a subject token); several rules may share one. */
  jobClass?: string;
  when: Record<string, VariableMatcher>;
  weight: number;
  tier: TrustTier;
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const variableName = z.string().regex(VARIABLE_NAME, "must be a CI variable name");

const matcherSchema = z.union([
  z.string(),
  z.strictObject({ regex: z.string() }),
  z.strictObject({ in: z.array(z.string()).min(1) }),
  z.strictObject({ notIn: z.array(z.string()).min(1) }),
  z.strictObject({ equalsVar: variableName }),
  z.strictObject({ set: z.boolean() }),
]);

/** Zod schema of one rule spec (regex validity and uniqueness are checked by compileClassRules). */
export const classRuleSpecSchema = z.strictObject({
  name: z.string().min(1).max(64),
  jobClass: z.string().regex(SUBJECT_TOKEN, "must be [A-Za-z0-9_-]+").max(64).optional(),
  when: z.record(variableName, matcherSchema),
  weight: z.number().finite().min(0).max(10_000),
  tier: TrustTierSchema,
});

/** Tests one variable set; built once per rule at compile time. */
export type VariablePredicate = (variables: Readonly<Record<string, string>>) => boolean;

/** Turns one matcher into a predicate; throws a plain Error for an invalid regex. */
export function compileMatcher(variable: string, matcher: VariableMatcher): VariablePredicate {
  const valueOf = (vars: Readonly<Record<string, string>>): string | undefined => {
    const v = vars[variable];
    return v === undefined || v === "" ? undefined : v;
  };
  if (typeof matcher === "string") return (vars) => valueOf(vars) === matcher;
  if ("regex" in matcher) {
    const re = new RegExp(matcher.regex);
    return (vars) => {
      const v = valueOf(vars);
      return v !== undefined && re.test(v);
    };
  }
  if ("in" in matcher) {
    const values = new Set(matcher.in);
    return (vars) => {
      const v = valueOf(vars);
      return v !== undefined && values.has(v);
    };
  }
  if ("notIn" in matcher) {
    const values = new Set(matcher.notIn);
    return (vars) => {
      const v = valueOf(vars);
      return v === undefined || !values.has(v);
    };
  }
  if ("equalsVar" in matcher) {
    const other = matcher.equalsVar;
    return (vars) => {
      const v = valueOf(vars);
      return v !== undefined && v === vars[other];
    };
  }
  const wanted = matcher.set;
  return (vars) => (valueOf(vars) !== undefined) === wanted;
}
