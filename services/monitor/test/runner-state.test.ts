import { describe, expect, it } from "vitest";
import { GitLabApiError, type GitLabRunnerDetail } from "@switchyard/gitlab-client";
import { buildRunnerState, type RunnerObservation } from "../src/runner-state.js";
import type { GitLabObservation } from "../src/gitlab-source.js";

const detail = (status: GitLabRunnerDetail["status"]): GitLabRunnerDetail => ({
  id: 1, description: "d", name: null, paused: false, status, online: status === "online", runnerType: "instance_type",
  isShared: true, tagList: ["docker"], runUntagged: true, protected: false, locked: false, version: "17.0.0",
  revision: null, platform: null, architecture: null, contactedAt: 1, maximumTimeout: null,
});
const load = { kind: "ok", value: { running: 1, limit: 2, concurrent: 4, errorsTotal: 0 } } as const;
const down = { kind: "error", message: "scrape: ECONNREFUSED" } as const;
const absent = { kind: "absent" } as const;
const gitlabOk = (status: GitLabRunnerDetail["status"]): GitLabObservation => ({ kind: "ok", detail: detail(status), jobs: [] });
const gitlabError: GitLabObservation = { kind: "error", error: new GitLabApiError("list: HTTP 503", 503, true) };

const NOW = 1_000_000;
const contact = (lastPollAt: number | null, lastJobCallAt: number | null = null) => ({
  kind: "ok", value: { v: 1, runnerId: "r-1", pool: "p", lastPollAt, lastJobCallAt, systemId: "s_1", version: "18.5.0" },
}) as const;

describe("buildRunnerState: a runner behind Switchyard is judged by the broker's sightings", () => {
  it.each<[string, GitLabObservation, RunnerObservation["broker"], boolean, string]>([
    ["GitLab never contacted it, the broker heard its poll a minute ago", gitlabOk("never_contacted"), contact(NOW - 60_000), true, "online"],
    ["GitLab offline, the runner is busy: no poll for an hour, a trace patch a minute ago", gitlabOk("offline"), contact(NOW - 3_600_000, NOW - 60_000), true, "online"],
    ["the broker last heard from it 10 minutes ago and nothing else vouches", gitlabOk("never_contacted"), contact(NOW - 600_000), false, "never_contacted"],
    ["the broker never heard from it", gitlabOk("never_contacted"), { kind: "absent" }, false, "never_contacted"],
    ["the broker heard it, but it was deleted in GitLab", { kind: "gone" }, contact(NOW - 1_000), false, "offline"],
  ])("%s", (_name, gitlab, broker, healthy, status) => {
    const { state } = buildRunnerState({ runner: { id: "r-1", pool: "p" }, gitlab, broker, metrics: absent, host: absent }, null, 0.6, NOW, 180_000);
    expect({ healthy: state.healthy, status: state.status }).toEqual({ healthy, status });
  });

  it("reports the broker's last sighting as the runner's contact time when it is newer than GitLab's", () => {
    const { state } = buildRunnerState({ runner: { id: "r-1", pool: "p" }, gitlab: gitlabOk("never_contacted"), broker: contact(NOW - 5_000), metrics: absent, host: absent }, null, 0.6, NOW);
    expect(state.contactedAt).toBe(NOW - 5_000);
  });
});

describe("buildRunnerState health rules", () => {
  it.each<[string, GitLabObservation, RunnerObservation["metrics"], boolean, string]>([
    ["metrics and GitLab both vouch", gitlabOk("online"), load, true, "online"],
    ["metrics answer, GitLab unreachable", gitlabError, load, true, "online"],
    ["metrics answer, no GitLab id", absent, load, true, "online"],
    ["GitLab online, no metrics URL", gitlabOk("online"), absent, true, "online"],
    ["metrics down though GitLab says online", gitlabOk("online"), down, false, "offline"],
    // Behind Switchyard GitLab's contacted status says nothing (Ci::Runner#status reads contacted_at, which only
    // GitLab's own jobs/request moves): it vouches when online, it never condemns.
    ["GitLab says stale though metrics answer", gitlabOk("stale"), load, true, "online"],
    ["GitLab says never_contacted though metrics answer", gitlabOk("never_contacted"), load, true, "online"],
    ["runner deleted in GitLab", { kind: "gone" }, load, false, "offline"],
    ["nothing answers", gitlabError, down, false, "offline"],
    ["GitLab unreachable and no metrics URL: nobody vouches", gitlabError, absent, false, "unknown"],
  ])("%s", (_name, gitlab, metrics, healthy, status) => {
    const { state, goodRead } = buildRunnerState({ runner: { id: "r-1", pool: "p" }, gitlab, metrics, host: absent }, null, 0.6, 1000);
    expect({ healthy: state.healthy, status: state.status, goodRead }).toEqual({ healthy, status, goodRead: healthy });
  });

  it("takes the job limit from gitlab_runner_limit, bounded by concurrent, and 'concurrent' when the limit is 0", () => {
    const build = (limit: number | null, concurrent: number | null) => buildRunnerState({
      runner: { id: "r-1", pool: "p" }, gitlab: absent, host: absent,
      metrics: { kind: "ok", value: { running: 0, limit, concurrent, errorsTotal: null } },
    }, null, 0.6, 1).state.limit;
    expect([build(3, 10), build(12, 10), build(0, 10), build(null, 6), build(null, null)]).toEqual([3, 10, 10, 6, 0]);
  });

  it("keeps draining while the disk cannot be read, instead of forgetting it", () => {
    const first = buildRunnerState({ runner: { id: "r-1", pool: "p" }, gitlab: absent, metrics: load, host: { kind: "ok", value: { diskUsedRatio: 0.9, diskAvailBytes: 1, diskSizeBytes: 10 } } }, null, 0.6, 1).state;
    const next = buildRunnerState({ runner: { id: "r-1", pool: "p" }, gitlab: absent, metrics: load, host: down }, first, 0.6, 2).state;
    expect(first.draining).toBe(true);
    expect(next).toMatchObject({ draining: true, diskUsedRatio: null });
  });
});
