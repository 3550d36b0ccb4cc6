import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "@switchyard/testing";
import { AGENT_MAX_OLD_SPACE_MB, agentExecArgv } from "../src/children.js";

// Issue 16 item 4: the agents' heap is sized for their live set wherever Switchyard starts them.
describe("the agents' heap limit", () => {
  const flag = `--max-old-space-size=${AGENT_MAX_OLD_SPACE_MB}`;

  it("is given to the four agents npm start and the bench run, not to the simulators", () => {
    for (const agent of ["assigner", "scorer", "monitor", "optimizer"]) expect(agentExecArgv(agent, {})).toEqual([flag]);
    expect(agentExecArgv("sim-gitlab", {})).toEqual([]);
    expect(agentExecArgv("sim-runners", {})).toEqual([]);
  });

  it("leaves an operator's own NODE_OPTIONS heap setting alone", () => {
    expect(agentExecArgv("assigner", { NODE_OPTIONS: "--max-old-space-size=512" })).toEqual([]);
  });

  it("is the figure compose and every Kubernetes Deployment set", () => {
    const compose = readFileSync(join(REPO_ROOT, "deploy/compose/docker-compose.yml"), "utf8");
    expect(compose.match(/NODE_OPTIONS: (.*)/)?.[1]?.trim()).toBe(flag);
    for (const agent of ["assigner", "scorer", "monitor", "optimizer"]) {
      const manifest = readFileSync(join(REPO_ROOT, `deploy/kubernetes/base/${agent}.yaml`), "utf8");
      expect(manifest).toContain(`{ name: NODE_OPTIONS, value: ${flag} }`);
    }
  });
});
