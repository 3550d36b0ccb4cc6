import { describe, expect, it } from "vitest";
import { jobRequestBody, lastUpdateOf, runnerTokenOf, systemIdOf } from "../src/protocol/runner-request.js";

describe("runner request fields", () => {
  it("takes the runner token from RUNNER-TOKEN first, then the body", () => {
    expect(runnerTokenOf({ "runner-token": "glrt-h" }, { token: "glrt-b" })).toBe("glrt-h");
    expect(runnerTokenOf({}, { token: "glrt-b" })).toBe("glrt-b");
    expect(runnerTokenOf({}, { token: 7 })).toBe("");
    expect(runnerTokenOf({}, null)).toBe("");
  });

  it("reads system_id and last_update only as non-empty strings", () => {
    expect(systemIdOf({ system_id: "s_abc" })).toBe("s_abc");
    expect(systemIdOf({ system_id: "" })).toBeNull();
    expect(systemIdOf({ system_id: 1 })).toBeNull();
    expect(lastUpdateOf({ last_update: "v1" })).toBe("v1");
    expect(lastUpdateOf({})).toBeNull();
  });

  it("sends last_update only once a version was seen", () => {
    expect(jobRequestBody("t", "s", {}, null)).toEqual({ token: "t", system_id: "s", info: {} });
    expect(jobRequestBody("t", "s", {}, "v2")).toEqual({ token: "t", system_id: "s", info: {}, last_update: "v2" });
  });
});
