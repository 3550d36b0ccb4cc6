import { z } from "zod";
import { SUBJECT_TOKEN, type TrustTier } from "@switchyard/contracts";
import { classRuleSpecSchema, compileMatcher, type VariablePredicate } from "./rule-spec.js";

/** One validated rule, ready to test variables. */
export interface CompiledClassRule {
  readonly name: string;
  readonly jobClass: string;
  readonly weight: number;
  readonly tier: TrustTier;
  readonly matches: VariablePredicate;
}

/** A validated, frozen rule list; the last rule matches everything. */
export interface ClassRules {
  readonly rules: readonly CompiledClassRule[];
  /** Highest weight of any rule: the upper end of the queue-order wait bound. */
  readonly maxWeight: number;
}

/** Class rules that failed validation; `problems` names each rule by index and name. */
export class ClassRulesError extends Error {
  readonly code = "CLASS_RULES_INVALID";
  readonly retryable = false;
  constructor(readonly problems: string[]) {
    super(`invalid class rules:\n  - ${problems.join("\n  - ")}`);
    this.name = "ClassRulesError";
  }
}

/** Validates rule specs (e.g. from config) and compiles them; throws ClassRulesError listing every problem. */
export function compileClassRules(specs: unknown): ClassRules {
  if (!Array.isArray(specs)) throw new ClassRulesError(["class rules must be a list"]);
  if (specs.length === 0) throw new ClassRulesError(["class rules must hold at least one rule"]);
  const problems: string[] = [];
  const label = (i: number): string => {
    const name = (specs[i] as { name?: unknown } | null)?.name;
    return `rule ${i} "${typeof name === "string" ? name : "?"}"`;
  };
  const parsed = z.array(classRuleSpecSchema).safeParse(specs);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const [index, ...rest] = issue.path;
      const where = typeof index === "number" ? label(index) : "(list)";
      problems.push(`${where}: ${rest.length ? `${rest.join(".")}: ` : ""}${issue.message}`);
    }
    throw new ClassRulesError(problems);
  }
  const seen = new Map<string, number>();
  const rules: CompiledClassRule[] = [];
  parsed.data.forEach((spec, i) => {
    const earlier = seen.get(spec.name);
    if (earlier !== undefined) problems.push(`${label(i)}: name already used by rule ${earlier}`);
    seen.set(spec.name, i);
    if (spec.jobClass === undefined && !SUBJECT_TOKEN.test(spec.name)) {
      problems.push(`${label(i)}: name must be [A-Za-z0-9_-]+ to serve as the class (or set jobClass)`);
    }
    const predicates: VariablePredicate[] = [];
    for (const [variable, matcher] of Object.entries(spec.when)) {
      try {
        predicates.push(compileMatcher(variable, matcher));
      } catch (err) {
        problems.push(`${label(i)}: when.${variable}: invalid regex (${(err as Error).message})`);
      }
    }
    rules.push(Object.freeze({
      name: spec.name,
      jobClass: spec.jobClass ?? spec.name,
      weight: spec.weight,
      tier: spec.tier,
      matches: (vars: Readonly<Record<string, string>>) => predicates.every((p) => p(vars)),
    }));
  });
  const lastIndex = parsed.data.length - 1;
  if (Object.keys(parsed.data[lastIndex]!.when).length > 0) {
    problems.push(`${label(lastIndex)}: the last rule must have an empty "when" so every job gets a class`);
  }
  if (problems.length > 0) throw new ClassRulesError(problems);
  return Object.freeze({ rules: Object.freeze(rules), maxWeight: Math.max(...rules.map((r) => r.weight)) });
}
