import { z } from "zod";
import { Token } from "@switchyard/contracts";
import { CHOOSE_RUNNER_TOOL } from "./question.js";

/** The shape the model must answer in (tool input, or plain JSON text as a fallback). */
const AnswerSchema = z.object({
  runner_id: z.string().min(1).max(256),
  reason: z.string().max(2000).default(""),
});

/** A validated answer naming one of the two candidates, or why the answer does not count. */
export type ReadAnswer =
  | { ok: true; runnerId: string; reason: string; via: "tool" | "text" }
  | { ok: false; named: string | null; problem: string };

interface ContentBlock { type: string; name?: string; input?: unknown; text?: string }

/** Reads a Messages API content array: the choose_runner tool call first, then JSON text; anything else is refused. */
export function readAnswer(content: readonly ContentBlock[], candidates: readonly [string, string]): ReadAnswer {
  const tool = content.find((b) => b.type === "tool_use" && b.name === CHOOSE_RUNNER_TOOL);
  if (tool) return check(AnswerSchema.safeParse(tool.input), candidates, "tool");
  const text = content.filter((b) => b.type === "text").map((b) => b.text ?? "").join("").trim();
  if (!text) return { ok: false, named: null, problem: "answer had neither a choose_runner call nor text" };
  const json = parseJson(text.replace(/^```(?:json)?\s*|\s*```$/g, ""));
  if (json === undefined) return { ok: false, named: null, problem: "answer text is not JSON" };
  return check(AnswerSchema.safeParse(json), candidates, "text");
}

function check(parsed: z.ZodSafeParseResult<z.infer<typeof AnswerSchema>>, candidates: readonly [string, string], via: "tool" | "text"): ReadAnswer {
  if (!parsed.success) return { ok: false, named: null, problem: `answer does not match the schema (${parsed.error.issues.map((i) => i.path.join(".") || i.message).join(", ").slice(0, 200)})` };
  const { runner_id: runnerId, reason } = parsed.data;
  if (!candidates.includes(runnerId)) {
    const named = Token.safeParse(runnerId).success ? runnerId : null;
    return { ok: false, named, problem: `answer named ${named ?? "an invalid runner id"}, not ${candidates[0]} or ${candidates[1]}` };
  }
  return { ok: true, runnerId, reason: oneLine(reason), via };
}

function parseJson(text: string): unknown {
  try { return JSON.parse(text) as unknown; } catch { return undefined; }
}

/** Model text as a single bounded line (it lands in decisions and logs). */
function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim().slice(0, 500);
}
