import { describe, expect, it } from "vitest";
import { readAnswer } from "../../src/deciding/llm/index.js";

const pair = ["r-1", "r-2"] as const;
const tool = (input: unknown) => [{ type: "tool_use", name: "choose_runner", input }];
const text = (t: string) => [{ type: "text", text: t }];

describe("reading the model's answer", () => {
  const cases: { name: string; content: { type: string; name?: string; input?: unknown; text?: string }[]; expected: unknown }[] = [
    { name: "a choose_runner call naming a candidate", content: tool({ runner_id: "r-2", reason: "warm\ncache" }), expected: { ok: true, runnerId: "r-2", reason: "warm cache", via: "tool" } },
    { name: "a choose_runner call without a reason", content: tool({ runner_id: "r-1" }), expected: { ok: true, runnerId: "r-1", reason: "", via: "tool" } },
    { name: "JSON text in a code fence", content: text("```json\n{\"runner_id\":\"r-1\",\"reason\":\"ok\"}\n```"), expected: { ok: true, runnerId: "r-1", reason: "ok", via: "text" } },
    { name: "a runner outside the pair", content: tool({ runner_id: "r-evil", reason: "x" }), expected: { ok: false, named: "r-evil" } },
    { name: "a runner id that is not even a token", content: tool({ runner_id: "r-1; rm -rf /", reason: "x" }), expected: { ok: false, named: null } },
    { name: "a tool input of the wrong type", content: tool({ runner_id: 1 }), expected: { ok: false, named: null } },
    { name: "JSON text naming nobody", content: text("{\"pick\":\"r-1\"}"), expected: { ok: false, named: null } },
    { name: "a different tool", content: [{ type: "tool_use", name: "other", input: { runner_id: "r-1" } }], expected: { ok: false, named: null } },
    { name: "nothing at all", content: [], expected: { ok: false, named: null } },
  ];
  for (const c of cases) {
    it(`${c.expected && (c.expected as { ok: boolean }).ok ? "accepts" : "refuses"} ${c.name}`, () => {
      expect(readAnswer(c.content, pair)).toMatchObject(c.expected as object);
    });
  }
});
