/** A Go duration string (`time.ParseDuration` syntax) that could not be parsed. */
export class GoDurationError extends Error {
  readonly code = "GO_DURATION_INVALID";
  readonly retryable = false;
  constructor(readonly input: string, reason: string) {
    super(`time: ${reason} "${input}"`);
    this.name = "GoDurationError";
  }
}

/** Nanoseconds per unit, exactly the units Go accepts (µ is U+00B5, μ is U+03BC). */
const UNIT_NANOS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  "\u00b5s": 1e3,
  "\u03bcs": 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

const COMPONENT = /^(\d*)(?:\.(\d*))?([^\d.]*)/;

/**
 * Parses a Go duration ("300ms", "-1.5h", "2h45m", "1m30.5s") into seconds,
 * with Go's grammar: an optional sign, then one or more decimal-number+unit pairs; "0" alone is zero.
 */
export function parseGoDuration(input: string): number {
  let rest = input;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    if (rest[0] === "-") sign = -1;
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") throw new GoDurationError(input, "invalid duration");
  let nanos = 0;
  while (rest !== "") {
    const m = COMPONENT.exec(rest);
    if (!m) throw new GoDurationError(input, "invalid duration");
    const [whole, intPart = "", fracPart, unit = ""] = m;
    if (intPart === "" && (fracPart === undefined || fracPart === "")) {
      throw new GoDurationError(input, "invalid duration");
    }
    const perUnit = UNIT_NANOS[unit];
    if (perUnit === undefined) {
      throw new GoDurationError(input, unit === "" ? "missing unit in duration" : `unknown unit "${unit}" in duration`);
    }
    nanos += Number(`${intPart || "0"}.${fracPart || "0"}`) * perUnit;
    rest = rest.slice(whole.length);
  }
  // Go rejects durations beyond int64 nanoseconds (about 292 years).
  if (nanos > 9.223372036854775807e18) throw new GoDurationError(input, "invalid duration");
  return (sign * nanos) / 1e9;
}
