import { describe, expect, it } from "vitest";
import { loadConfig, ConfigError } from "@switchyard/runtime";
import { optimizerConfigSchema } from "../src/config.js";
import { compileCronPeriod, localTimeZone } from "../src/sli/cron-period.js";
import {
  activeEntry, compileJobQueuingDurations, evaluateQueuingDuration, JobQueuingDurationError,
  type JobQueuingDurationConfig,
} from "../src/sli/job-queuing-durations.js";

const at = (iso: string) => Date.parse(iso);

// gitlab-runner's documented example: 1m on any day, 5m on weekends (the later entry wins).
const weekdayAndWeekend: JobQueuingDurationConfig[] = [
  { periods: ["* * * * * * *"], threshold: "1m", timezone: "UTC" },
  { periods: ["* * * * * sat,sun *"], threshold: "5m", timezone: "UTC" },
];

describe("job_queuing_durations (gitlab-runner semantics)", () => {
  const entries = compileJobQueuingDurations(weekdayAndWeekend);
  it.each([
    // Wednesday
    { when: "2024-06-05T12:00:00Z", queueSeconds: 59, exceeded: false, reason: "within-threshold" },
    { when: "2024-06-05T12:00:00Z", queueSeconds: 60, exceeded: false, reason: "within-threshold" },
    { when: "2024-06-05T12:00:00Z", queueSeconds: 61, exceeded: true, reason: "threshold-exceeded" },
    // Saturday: the weekend entry is later in the list, so its 5m wins over the 1m entry that also matches
    { when: "2024-06-08T12:00:00Z", queueSeconds: 120, exceeded: false, reason: "within-threshold" },
    { when: "2024-06-08T12:00:00Z", queueSeconds: 301, exceeded: true, reason: "threshold-exceeded" },
  ])("counts a job queued $queueSeconds s at $when as exceeded=$exceeded with a 1m default and a 5m weekend entry", (c) => {
    const v = evaluateQueuingDuration(entries, { queueSeconds: c.queueSeconds, projectJobsRunning: "0" }, at(c.when));
    expect(v.exceeded).toBe(c.exceeded);
    expect(v.reason).toBe(c.reason);
  });

  it("lets the last matching entry win, whatever its threshold", () => {
    const reversed = compileJobQueuingDurations([...weekdayAndWeekend].reverse());
    // Now the catch-all is last, so on a Saturday 1m applies.
    const v = evaluateQueuingDuration(reversed, { queueSeconds: 120, projectJobsRunning: "0" }, at("2024-06-08T12:00:00Z"));
    expect(v).toMatchObject({ exceeded: true, entry: 1 });
    expect(activeEntry(entries, at("2024-06-08T12:00:00Z"))?.index).toBe(1);
    expect(activeEntry(entries, at("2024-06-05T12:00:00Z"))?.index).toBe(0);
  });

  it("counts nothing when no entry is in period", () => {
    const weekendOnly = compileJobQueuingDurations([weekdayAndWeekend[1]!]);
    expect(evaluateQueuingDuration(weekendOnly, { queueSeconds: 9999, projectJobsRunning: "0" }, at("2024-06-05T12:00:00Z")))
      .toEqual({ exceeded: false, reason: "no-active-entry", entry: null });
  });

  it("treats a zero threshold on the active entry as disabled instead of falling back to an earlier entry", () => {
    const zeroed = compileJobQueuingDurations([weekdayAndWeekend[0]!, { periods: ["* * * * * * *"], threshold: "0s", timezone: "UTC" }]);
    expect(evaluateQueuingDuration(zeroed, { queueSeconds: 9999, projectJobsRunning: "0" }, at("2024-06-05T12:00:00Z")))
      .toMatchObject({ exceeded: false, reason: "threshold-disabled", entry: 1 });
  });

  it.each([
    { running: "2", exceeded: true, reason: "threshold-exceeded" },
    { running: "0", exceeded: true, reason: "threshold-exceeded" },
    { running: "4", exceeded: false, reason: "project-jobs-not-matched" },
    { running: "3+", exceeded: false, reason: "project-jobs-not-matched" },
    { running: "", exceeded: false, reason: "project-jobs-not-matched" },
  ])("with jobs_running_for_project ^[0-3]$, a project running $running jobs counts as exceeded=$exceeded", (c) => {
    const withRegexp = compileJobQueuingDurations([{ periods: ["* * * * * * *"], threshold: "1m", timezone: "UTC", jobsRunningForProject: "^[0-3]$" }]);
    const v = evaluateQueuingDuration(withRegexp, { queueSeconds: 90, projectJobsRunning: c.running }, at("2024-06-05T12:00:00Z"));
    expect(v.exceeded).toBe(c.exceeded);
    expect(v.reason).toBe(c.reason);
  });

  it("reads periods in the entry's time zone: the same instant is a weekday in UTC and a weekend in Berlin", () => {
    const instant = at("2024-06-07T22:30:00Z"); // Friday 22:30 UTC = Saturday 00:30 CEST
    const job = { queueSeconds: 120, projectJobsRunning: "0" };
    const inZone = (timezone: string) => compileJobQueuingDurations(weekdayAndWeekend.map((e) => ({ ...e, timezone })));
    expect(evaluateQueuingDuration(inZone("UTC"), job, instant)).toMatchObject({ exceeded: true, entry: 0 });
    expect(evaluateQueuingDuration(inZone("Europe/Berlin"), job, instant)).toMatchObject({ exceeded: false, entry: 1 });
  });

  it("defaults the time zone to the process's local zone", () => {
    const [entry] = compileJobQueuingDurations([{ periods: ["* * * * * * *"], threshold: "1m" }]);
    expect(entry!.timeZone).toBe(localTimeZone());
  });
});

describe("cron periods (gorhill/cronexpr fields)", () => {
  it.each([
    { period: "* * * 29 2 * *", when: "2028-02-29T12:00:00Z", matches: true },
    { period: "* * * 29 2 * *", when: "2027-03-01T12:00:00Z", matches: false },
    { period: "* * * 29 2 * *", when: "2028-03-01T12:00:00Z", matches: false },
    { period: "* * * * * * 2028", when: "2028-06-01T00:00:00Z", matches: true },
    { period: "* * * * * * 2027", when: "2028-06-01T00:00:00Z", matches: false },
    { period: "* * * * * * 2025-2099/3", when: "2028-06-01T00:00:00Z", matches: true },
    { period: "* * 9-17 * * mon-fri *", when: "2024-06-05T12:00:00Z", matches: true },
    { period: "* * 9-17 * * mon-fri *", when: "2024-06-05T18:00:00Z", matches: false },
    { period: "* * * * * saturday *", when: "2024-06-08T12:00:00Z", matches: true },
    { period: "* * * * jan-mar * *", when: "2024-06-08T12:00:00Z", matches: false },
    // Six fields: cronexpr reads the sixth as the YEAR (seconds default to 0).
    { period: "* * * * * 2027", when: "2028-06-01T00:00:59.500Z", matches: false },
    { period: "* * * * * 2028", when: "2028-06-01T00:00:59.500Z", matches: true },
    // Five fields (second 0): in period only during the second before a matching minute, as in gitlab-runner.
    { period: "* * * * *", when: "2024-06-05T12:00:30Z", matches: false },
    { period: "* * * * *", when: "2024-06-05T12:00:59.200Z", matches: true },
  ])("$period is in period at $when: $matches", ({ period, when, matches }) => {
    expect(compileCronPeriod(period, "UTC").inPeriod(at(when))).toBe(matches);
  });

  it("is in period in the last second before a matching window opens, like InPeriod's 1 s tolerance", () => {
    const weekend = compileCronPeriod("* * * * * sat,sun *", "UTC");
    expect(weekend.inPeriod(at("2024-06-07T23:59:58.900Z"))).toBe(false);
    expect(weekend.inPeriod(at("2024-06-07T23:59:59.100Z"))).toBe(true);
    expect(weekend.inPeriod(at("2024-06-09T23:59:59.100Z"))).toBe(false);
  });
});

describe("job_queuing_durations config", () => {
  const env = (entries: unknown) => ({ SWITCHYARD_JOB_QUEUING_DURATIONS: JSON.stringify(entries) });

  it("names the entry index of a bad cron period and of a bad duration, all at once", () => {
    const bad = [
      { periods: ["* * * * * * *"], threshold: "1m" },
      { periods: ["* * * * * funday *"], threshold: "1m" },
      { periods: ["* * * * * * *"], threshold: "5 minutes" },
    ];
    let error: unknown;
    try {
      loadConfig(optimizerConfigSchema, { env: env(bad), file: "" });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join("\n");
    expect(problems).toMatch(/jobQueuingDurations\.1.*entry 1: periods/);
    expect(problems).toMatch(/jobQueuingDurations\.2.*entry 2: threshold/);
    expect(problems).not.toMatch(/entry 0/);
  });

  it.each([
    [{ periods: ["* * * *"], threshold: "1m" }, "periods: period \"* * * *\": missing field(s)"],
    [{ periods: ["* * * * * * 1969"], threshold: "1m" }, "periods"],
    [{ periods: ["* * * * * * *"], threshold: "1m", timezone: "Mars/Olympus" }, "timezone"],
    [{ periods: ["* * * * * * *"], threshold: "1m", jobsRunningForProject: "([" }, "jobs_running_for_project"],
  ])("refuses %j", (entry, message) => {
    expect(() => compileJobQueuingDurations([entry])).toThrow(JobQueuingDurationError);
    expect(() => compileJobQueuingDurations([entry])).toThrow(`entry 0: ${message}`);
  });

  it("accepts gitlab-runner's snake_case jobs_running_for_project key", () => {
    const config = loadConfig(optimizerConfigSchema, {
      env: env([{ periods: ["* * * * * * *"], threshold: "1m", jobs_running_for_project: "^[0-3]$" }]), file: "",
    });
    expect(config.jobQueuingDurations[0]!.jobsRunningForProject).toBe("^[0-3]$");
  });

  it("accepts gitlab-runner's documented example from env JSON and keeps it frozen", () => {
    const config = loadConfig(optimizerConfigSchema, { env: env(weekdayAndWeekend), file: "" });
    expect(config.jobQueuingDurations).toHaveLength(2);
    expect(Object.isFrozen(config.jobQueuingDurations[1])).toBe(true);
  });
});
