import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "@switchyard/testing";
import { parse, parseAllDocuments } from "yaml";
import { AGENT_ENV, AGENT_MAX_OLD_SPACE_MB, AGENT_MAX_SEMI_SPACE_MB, AGENT_NODE_FLAGS, agentExecArgv, agentProcessEnv } from "../src/children.js";

// Issue 16 item 4: the agents' heap is sized for their live set wherever Switchyard starts them.
describe("the agents' heap flags", () => {
  const oldSpace = `--max-old-space-size=${AGENT_MAX_OLD_SPACE_MB}`;
  const semiSpace = `--max-semi-space-size=${AGENT_MAX_SEMI_SPACE_MB}`;
  const nodeOptions = AGENT_NODE_FLAGS.join(" ");

  it("cap the old space and the young generation (Node 24's default semi-space is 64 MB, Node 20's 16)", () => {
    expect(AGENT_NODE_FLAGS).toEqual([oldSpace, semiSpace]);
  });

  it("are given to the four agents npm start and the bench run, not to the simulators", () => {
    for (const agent of ["assigner", "scorer", "monitor", "optimizer"]) expect(agentExecArgv(agent, {})).toEqual([oldSpace, semiSpace]);
    expect(agentExecArgv("sim-gitlab", {})).toEqual([]);
    expect(agentExecArgv("sim-runners", {})).toEqual([]);
  });

  it("leave each heap setting an operator's NODE_OPTIONS makes alone, and only that one", () => {
    expect(agentExecArgv("assigner", { NODE_OPTIONS: "--max-old-space-size=512" })).toEqual([semiSpace]);
    expect(agentExecArgv("assigner", { NODE_OPTIONS: "--max_semi_space_size=16 --max-old-space-size 512" })).toEqual([]);
    expect(agentExecArgv("assigner", { NODE_OPTIONS: "--enable-source-maps" })).toEqual([oldSpace, semiSpace]);
  });

  it("come with one malloc arena, unless the environment sets the variable", () => {
    expect(AGENT_ENV).toEqual({ MALLOC_ARENA_MAX: "1" });
    expect(agentProcessEnv("assigner", {})).toEqual({ MALLOC_ARENA_MAX: "1" });
    expect(agentProcessEnv("assigner", { MALLOC_ARENA_MAX: "4" })).toEqual({});
    expect(agentProcessEnv("sim-runners", {})).toEqual({});
  });

  it("are the flags and environment the image, compose and every Kubernetes Deployment set", () => {
    const dockerfile = readFileSync(join(REPO_ROOT, "deploy/compose/Dockerfile"), "utf8");
    const runtimeStage = dockerfile.split("\nFROM ").at(-1)!;
    expect(runtimeStage).toContain(`NODE_OPTIONS="${nodeOptions}"`);
    for (const [key, value] of Object.entries(AGENT_ENV)) expect(runtimeStage).toMatch(new RegExp(`^ENV .*\\b${key}=${value}\\b`, "m"));
    const compose = parse(readFileSync(join(REPO_ROOT, "deploy/compose/docker-compose.yml"), "utf8"), { merge: true }) as {
      services: Record<string, { environment?: Record<string, string> }>;
    };
    for (const agent of ["assigner", "scorer", "monitor", "optimizer"]) {
      expect(compose.services[agent]?.environment?.NODE_OPTIONS, `compose ${agent}`).toBe(nodeOptions);
      for (const [key, value] of Object.entries(AGENT_ENV)) expect(compose.services[agent]?.environment?.[key], `compose ${agent} ${key}`).toBe(value);
      const deployment = parseAllDocuments(readFileSync(join(REPO_ROOT, `deploy/kubernetes/base/${agent}.yaml`), "utf8"))
        .map((d) => d.toJS() as { kind?: string; spec?: { template?: { spec?: { containers?: { env?: { name: string; value?: string }[] }[] } } } })
        .find((d) => d.kind === "Deployment");
      const env = deployment?.spec?.template?.spec?.containers?.[0]?.env ?? [];
      expect(env.find((e) => e.name === "NODE_OPTIONS")?.value, `kubernetes ${agent}`).toBe(nodeOptions);
      for (const [key, value] of Object.entries(AGENT_ENV)) expect(env.find((e) => e.name === key)?.value, `kubernetes ${agent} ${key}`).toBe(value);
    }
  });
});
