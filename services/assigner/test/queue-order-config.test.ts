import { describe, expect, it } from "vitest";
import { defaultQueueOrderConfig } from "@switchyard/decision";
import { assignerConfigSchema } from "../src/config.js";

const base = { gitlabUrl: "https://gitlab.example.com", pools: [{ name: "linux", upstreamToken: "glrt-x" }] };

describe("the assigner's queueOrder setting", () => {
  it("defaults to the decision library's shipped queue order, the one the replay measures", () => {
    const config = assignerConfigSchema.parse(base);
    // The head size is the assigner's top-level headSize (one knob), with the replay's default.
    expect({ ...config.queueOrder, headSize: config.headSize }).toEqual(defaultQueueOrderConfig);
    expect(config.durationRefreshMs).toBe(30_000);
  });

  it("takes a partial override and reports every bad field at once", () => {
    expect(assignerConfigSchema.parse({ ...base, queueOrder: { durationShift: { perRunSecond: 0 } } }).queueOrder.durationShift)
      .toEqual({ ...defaultQueueOrderConfig.durationShift, perRunSecond: 0 });
    const bad = assignerConfigSchema.safeParse({ ...base, queueOrder: { secondsPerWeightPoint: -1, durationShift: { maxSeconds: "long" } } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.path.join(".")).sort()).toEqual(["queueOrder.durationShift.maxSeconds", "queueOrder.secondsPerWeightPoint"]);
  });
});
