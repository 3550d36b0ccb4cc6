import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

// The module-boundary check (.dependency-cruiser.cjs, run by `npm run lint` and `npm test`) is only
// worth something if it fails: write offending imports into the tree, cruise just those files, and
// see each rule fire, while a clean file next to them passes.
const root = fileURLToPath(new URL("../../../", import.meta.url));
const id = randomUUID().slice(0, 8);
const probes: Record<string, string> = {
  [`services/scorer/src/boundary-probe-${id}.ts`]: `import "../../assigner/src/assigner-metrics.js";\n`,
  [`services/scorer/test/boundary-probe-${id}.ts`]: `import "@switchyard/monitor";\n`,
  [`libs/decision/src/boundary-probe-${id}.ts`]: `import { Redis } from "ioredis";\nimport { createServer } from "node:http";\nexport const probe = [Redis, createServer];\n`,
  [`libs/contracts/src/boundary-probe-${id}.ts`]: `import "@nats-io/transport-node";\nimport "@anthropic-ai/sdk";\nimport "@switchyard/runtime";\n`,
  [`services/optimizer/src/boundary-probe-clean-${id}.ts`]: `import "@switchyard/decision";\nimport "ioredis";\n`,
};

function cruise(files: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(`${root}node_modules/.bin/depcruise`, ["--config", ".dependency-cruiser.cjs", "--output-type", "err", ...files], { cwd: root },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, out: stdout + stderr }));
  });
}

afterAll(() => {
  for (const file of Object.keys(probes)) rmSync(`${root}${file}`, { force: true });
});

describe("module boundaries", () => {
  it("fails on a service importing another service (source or test) and on I/O clients in decision code", async () => {
    for (const [file, text] of Object.entries(probes)) writeFileSync(`${root}${file}`, text);
    const { code, out } = await cruise(Object.keys(probes));
    expect(code).not.toBe(0);
    const violations = out.split("\n").filter((l) => l.includes("error ")).map((l) => l.trim());
    const at = (rule: string, from: string) => violations.filter((l) => l.startsWith(`error ${rule}: ${from}`)).map((l) => l.split(" → ")[1]);

    expect(at("service-imports-another-service", `services/scorer/src/boundary-probe-${id}.ts`)).toEqual(["services/assigner/src/assigner-metrics.ts"]);
    expect(at("service-imports-another-service", `services/scorer/test/boundary-probe-${id}.ts`)).toEqual([expect.stringMatching(/^services\/monitor\//)]);
    const decisionIo = at("decision-imports-io-client", `libs/decision/src/boundary-probe-${id}.ts`);
    expect(decisionIo).toHaveLength(2);
    expect(decisionIo).toEqual(expect.arrayContaining([expect.stringMatching(/ioredis/), "http"]));
    expect(at("decision-imports-io-client", `libs/contracts/src/boundary-probe-${id}.ts`)).toEqual(
      expect.arrayContaining([expect.stringMatching(/@nats-io\/transport-node/), expect.stringMatching(/@anthropic-ai\/sdk/)]));
    expect(at("decision-imports-non-decision-project", `libs/contracts/src/boundary-probe-${id}.ts`)).toEqual([expect.stringMatching(/^libs\/runtime\//)]);
    expect(violations.filter((l) => l.includes(`boundary-probe-clean-${id}`))).toEqual([]);
  }, 60_000);
});
