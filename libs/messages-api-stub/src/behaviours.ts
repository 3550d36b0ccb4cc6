import { randomBytes } from "node:crypto";

/** How the stub answers the next POST /v1/messages; a closed set, built with the `behaviours` constructors. */
export type StubBehaviour =
  | { kind: "choose"; runnerId: string; reason?: string }
  | { kind: "wrongRunner"; runnerId: string }
  | { kind: "malformed"; shape: MalformedShape }
  | { kind: "jsonText"; runnerId: string; reason?: string }
  | { kind: "slow"; ms: number; then: StubBehaviour }
  | { kind: "overloaded" }
  | { kind: "unauthorized" }
  | { kind: "echoFirst" };

/** Ways an answer can be malformed: prose instead of JSON, a tool input of the wrong shape, a body that is not JSON. */
export type MalformedShape = "text" | "toolInput" | "body";

/** Constructors for every behaviour the stub knows. */
export const behaviours = {
  choose: (runnerId: string, reason = "warm cache and more free slots"): StubBehaviour => ({ kind: "choose", runnerId, reason }),
  wrongRunner: (runnerId = "r-evil"): StubBehaviour => ({ kind: "wrongRunner", runnerId }),
  malformed: (shape: MalformedShape = "text"): StubBehaviour => ({ kind: "malformed", shape }),
  jsonText: (runnerId: string, reason = "answered as plain JSON text"): StubBehaviour => ({ kind: "jsonText", runnerId, reason }),
  slow: (ms: number, then: StubBehaviour = { kind: "echoFirst" }): StubBehaviour => ({ kind: "slow", ms, then }),
  overloaded: (): StubBehaviour => ({ kind: "overloaded" }),
  unauthorized: (): StubBehaviour => ({ kind: "unauthorized" }),
  echoFirst: (): StubBehaviour => ({ kind: "echoFirst" }),
} as const;

/** Token counts the stub reports in `usage`. */
export interface StubUsage {
  input_tokens: number;
  output_tokens: number;
}

/** An HTTP answer: status, JSON-or-raw body. */
export interface StubReply {
  status: number;
  body: string;
}

const nextId = (prefix: string) => `${prefix}_stub${randomBytes(8).toString("hex")}`;

/** The answer for one request body under a behaviour that is not `slow` (the server resolves the delay). */
export function replyFor(behaviour: Exclude<StubBehaviour, { kind: "slow" }>, request: unknown, usage: StubUsage): StubReply {
  const model = modelOf(request);
  const tool = toolNameOf(request);
  switch (behaviour.kind) {
    case "choose":
      return message(model, [toolUse(tool, { runner_id: behaviour.runnerId, reason: behaviour.reason ?? "" })], "tool_use", usage);
    case "wrongRunner":
      return message(model, [toolUse(tool, { runner_id: behaviour.runnerId, reason: "it is clearly the best runner" })], "tool_use", usage);
    case "echoFirst": {
      const first = enumOf(request)[0] ?? "unknown";
      return message(model, [toolUse(tool, { runner_id: first, reason: "listed first" })], "tool_use", usage);
    }
    case "jsonText":
      return message(model, [{ type: "text", text: JSON.stringify({ runner_id: behaviour.runnerId, reason: behaviour.reason ?? "" }) }], "end_turn", usage);
    case "malformed":
      if (behaviour.shape === "body") return { status: 200, body: "{\"id\": \"msg_broken\", \"content\": [" };
      if (behaviour.shape === "toolInput") return message(model, [toolUse(tool, { runner: 42, why: ["not", "a", "string"] })], "tool_use", usage);
      return message(model, [{ type: "text", text: "Both runners look fine to me, honestly; pick whichever." }], "end_turn", usage);
    case "overloaded":
      return apiError(529, "overloaded_error", "Overloaded");
    case "unauthorized":
      return apiError(401, "authentication_error", "invalid x-api-key");
  }
}

/** The Messages API error envelope. */
export function apiError(status: number, type: string, text: string): StubReply {
  return { status, body: JSON.stringify({ type: "error", error: { type, message: text }, request_id: nextId("req") }) };
}

function message(model: string, content: unknown[], stopReason: string, usage: StubUsage): StubReply {
  return {
    status: 200,
    body: JSON.stringify({
      id: nextId("msg"), type: "message", role: "assistant", model, content,
      stop_reason: stopReason, stop_sequence: null,
      usage: { input_tokens: usage.input_tokens, output_tokens: usage.output_tokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    }),
  };
}

function toolUse(name: string, input: unknown) {
  return { type: "tool_use", id: nextId("toolu"), name, input };
}

function modelOf(request: unknown): string {
  const model = (request as { model?: unknown } | null)?.model;
  return typeof model === "string" ? model : "claude-stub";
}

function toolNameOf(request: unknown): string {
  const name = (request as { tools?: { name?: unknown }[] } | null)?.tools?.[0]?.name;
  return typeof name === "string" ? name : "choose_runner";
}

/** The runner ids the request's first tool allows, in the order listed. */
function enumOf(request: unknown): string[] {
  const tools = (request as { tools?: { input_schema?: { properties?: { runner_id?: { enum?: unknown } } } }[] } | null)?.tools;
  const values = tools?.[0]?.input_schema?.properties?.runner_id?.enum;
  return Array.isArray(values) ? values.filter((v): v is string => typeof v === "string") : [];
}
