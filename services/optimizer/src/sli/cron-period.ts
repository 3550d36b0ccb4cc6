import { CronExpressionParser, type CronExpression } from "cron-parser";

/** A cron period string that gorhill/cronexpr (gitlab-runner's parser) would refuse. */
export class CronPeriodError extends Error {
  readonly code = "CRON_PERIOD_INVALID";
  readonly retryable = false;
  constructor(readonly period: string, reason: string, options?: { cause?: unknown }) {
    super(`period "${period}": ${reason}`, options);
    this.name = "CronPeriodError";
  }
}

/** One compiled `periods` entry, evaluated in a fixed time zone. */
export interface CronPeriod {
  readonly source: string;
  /** Whether this whole second (wall clock in the zone) matches every field. */
  matchesSecond(epochSecondMs: number): boolean;
  /** gitlab-runner's `TimePeriod.InPeriod`: the next matching second after `now` is at most 1 s away. */
  inPeriod(nowMs: number): boolean;
}

// gorhill/cronexpr's aliases expand to 7 fields (seconds and year included).
const ALIASES: Readonly<Record<string, string>> = {
  "@yearly": "0 0 0 1 1 * *",
  "@annually": "0 0 0 1 1 * *",
  "@monthly": "0 0 0 1 * * *",
  "@weekly": "0 0 0 * * 0 *",
  "@daily": "0 0 0 * * * *",
  "@hourly": "0 0 * * * * *",
};

// cronexpr accepts full month and weekday names; cron-parser only the three-letter forms.
const LONG_NAMES = /\b(january|february|march|april|june|july|august|september|october|november|december|sunday|monday|tuesday|wednesday|thursday|friday|saturday)\b/g;

const YEAR_MIN = 1970;
const YEAR_MAX = 2099;

/**
 * Compiles a gitlab-runner period: `[second] minute hour dom month dow [year]`, as gorhill/cronexpr reads it.
 * 5 fields: second 0, any year. 6 fields: second 0, the sixth is the YEAR. 7 fields: all. Fields past the 7th are ignored.
 */
export function compileCronPeriod(period: string, timeZone: string): CronPeriod {
  const fields = (ALIASES[period.trim()] ?? period).trim().split(/\s+/).filter((f) => f !== "");
  if (fields.length < 5) throw new CronPeriodError(period, "missing field(s)");
  const used = fields.slice(0, 7);
  const [second, rest, year] = used.length === 7
    ? [used[0]!, used.slice(1, 6), used[6]!]
    : ["0", used.slice(0, 5), used[5] ?? "*"];
  let expression: CronExpression;
  try {
    const sixFields = [second, ...rest].join(" ").toLowerCase().replace(LONG_NAMES, (name) => name.slice(0, 3));
    expression = CronExpressionParser.parse(sixFields, { tz: timeZone, strict: false });
  } catch (cause) {
    throw new CronPeriodError(period, (cause as Error).message, { cause });
  }
  const years = parseYearField(period, year);
  const yearOf = yearInZone(timeZone);
  const matchesSecond = (ms: number): boolean => years.has(yearOf(ms)) && expression.includesDate(new Date(ms));
  return {
    source: period,
    matchesSecond,
    // cronexpr's Next(now) returns whole seconds strictly after now; InPeriod accepts |now - next| <= 1 s,
    // so the only candidate is the next whole second. A 5-field period (second 0) is therefore only
    // "in period" during the second before each matching minute, exactly as in gitlab-runner.
    inPeriod: (nowMs) => matchesSecond(Math.floor(nowMs / 1000) * 1000 + 1000),
  };
}

/** Parses cronexpr's year field: `*`, `?`, N, A-B, * /S, N/S, A-B/S, comma lists; 1970..2099. */
function parseYearField(period: string, field: string): Set<number> {
  const years = new Set<number>();
  for (const part of field.split(",")) {
    const m = /^(?:(\*|\?)|(\d{4})(?:-(\d{4}))?)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new CronPeriodError(period, `syntax error in year field: '${part}'`);
    const [, wildcard, a, b, stepText] = m;
    const step = stepText === undefined ? 1 : Number(stepText);
    let first = YEAR_MIN;
    let last = YEAR_MAX;
    if (!wildcard) {
      first = Number(a);
      last = b !== undefined ? Number(b) : stepText !== undefined ? YEAR_MAX : first;
    }
    if (first < YEAR_MIN || first > YEAR_MAX || last < YEAR_MIN || last > YEAR_MAX) {
      throw new CronPeriodError(period, `year out of range ${YEAR_MIN}-${YEAR_MAX}: '${part}'`);
    }
    if (wildcard === "?" && stepText !== undefined) throw new CronPeriodError(period, `syntax error in year field: '${part}'`);
    if (step < 1 || step > YEAR_MAX) throw new CronPeriodError(period, `invalid interval ${part}`);
    for (let y = first; y <= last; y += step) years.add(y);
  }
  return years;
}

function yearInZone(timeZone: string): (ms: number) => number {
  const format = new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric" });
  return (ms) => Number(format.format(new Date(ms)));
}

/** Throws when a zone name is not an IANA zone this runtime knows. */
export function assertTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
  } catch {
    throw new Error(`unknown time zone "${timeZone}"`);
  }
}

/** The process's local IANA zone: gitlab-runner's default ("Local") when `timezone` is unset. */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}
