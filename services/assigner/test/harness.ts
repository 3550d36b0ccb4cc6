import { createLogger, loadConfig, startAgentRuntime, type AgentRuntime } from "@switchyard/runtime";
import { createSimulatedGitLab, type SimulatedGitLab } from "@switchyard/gitlab-sim";
import type { TestEnv } from "@switchyard/testing";
import { assignerConfigSchema, type AssignerConfig } from "../src/config.js";
import { startAssigner, type Assigner, type AssignerDeps } from "../src/assigner.js";

export const POOL_TOKEN = "glrt-pool-linux-0123456789";
export const ADMIN_TOKEN = "glpat-admin-0123456789";
export const runnerToken = (i: number) => `syr_test_runner_token_${String(i).padStart(4, "0")}`;
export const runnerId = (i: number) => `r-${String(i).padStart(3, "0")}`;

/** A simulated GitLab with one pool registration (tags: linux). */
export async function startSim(extra: Partial<Parameters<typeof createSimulatedGitLab>[0]> = {}): Promise<SimulatedGitLab> {
  return createSimulatedGitLab({
    adminToken: ADMIN_TOKEN,
    log: createLogger({ name: "sim", level: "silent" }),
    runners: [{ id: 1, token: POOL_TOKEN, description: "switchyard pool linux", tags: ["linux"], runUntagged: true, runnerType: "instance_type" }],
    longPollMs: 1_000,
    ...extra,
  });
}

export interface RunningAssigner {
  rt: AgentRuntime;
  assigner: Assigner;
  config: AssignerConfig;
  brokerUrl: string;
  stop(): Promise<void>;
}

/** Env for an assigner on the test's own prefixes, in front of `gitlabUrl`, with `runners` downstream runners. */
export function assignerEnv(env: TestEnv, gitlabUrl: string, runners: number, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    ...env.agentEnv({ SWITCHYARD_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent" }),
    SWITCHYARD_GITLAB_URL: gitlabUrl,
    SWITCHYARD_BROKER_HOST: "127.0.0.1",
    SWITCHYARD_BROKER_PORT: "0",
    SWITCHYARD_POOLS: JSON.stringify([{ name: "linux", upstreamToken: POOL_TOKEN, lookahead: 2 }]),
    SWITCHYARD_RUNNERS: JSON.stringify(Array.from({ length: runners }, (_, i) => ({ id: runnerId(i + 1), pool: "linux", token: runnerToken(i + 1) }))),
    SWITCHYARD_LONG_POLL_MS: "5000",
    SWITCHYARD_SWEEP_INTERVAL_MS: "100",
    ...overrides,
  };
}

/** The assigner in this process, on the test's own prefixes, in front of `gitlabUrl`. */
export async function startTestAssigner(env: TestEnv, gitlabUrl: string, runners: number, overrides: Record<string, string> = {}, deps: AssignerDeps = {}): Promise<RunningAssigner> {
  const config = loadConfig(assignerConfigSchema, { env: assignerEnv(env, gitlabUrl, runners, overrides) });
  const rt = await startAgentRuntime({ agent: "assigner", config, handleSignals: false });
  const assigner = await startAssigner(rt, config, deps);
  rt.lifecycle.onShutdown("assigner", () => assigner.stop());
  rt.setReady(true);
  return {
    rt, assigner, config, brokerUrl: assigner.broker.url,
    async stop() {
      await rt.lifecycle.shutdown("test over");
    },
  };
}

/** The assigner's `switchyard_held_job_events_total{event}` right now. */
export async function heldEvent(sy: RunningAssigner, event: string): Promise<number> {
  const metric = await sy.rt.metrics.registry.getSingleMetric("switchyard_held_job_events_total")?.get();
  return metric?.values.find((v) => v.labels.event === event)?.value ?? 0;
}
