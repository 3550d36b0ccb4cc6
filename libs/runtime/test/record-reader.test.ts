import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createMetrics, createRecordReader } from "@switchyard/runtime";

const Point = z.object({ x: z.number() });

describe("createRecordReader", () => {
  it("reads a bad record as absent, counts every one on the agent's /metrics by record, and logs each record name once", async () => {
    const metrics = createMetrics("scorer");
    const warn = vi.fn();
    const records = createRecordReader({ warn }, metrics.unreadableRecords);

    expect(records.json("runner.state", Point, JSON.stringify({ x: 1 }))).toEqual({ x: 1 });
    expect(records.json("runner.state", Point, null)).toBeUndefined();
    expect(records.json("runner.state", Point, "{not json")).toBeUndefined();
    expect(records.json("runner.state", Point, JSON.stringify({ x: "one" }))).toBeUndefined();
    expect(records.value("weights", Point, { y: 2 })).toBeUndefined();

    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls.map(([fields]) => (fields as { record: string }).record)).toEqual(["runner.state", "weights"]);
    expect(Object.fromEntries(records.unreadable())).toEqual({ "runner.state": 2, weights: 1 });
    const exposed = await metrics.registry.metrics();
    // Every shared record's series exists from the start, at 0 until one fails.
    expect(exposed).toMatch(/switchyard_unreadable_records_total\{record="warm-reserve",agent="scorer"\} 0/);
    expect(exposed).toMatch(/switchyard_unreadable_records_total\{record="runner.state",agent="scorer"\} 2/);
    expect(exposed).toMatch(/switchyard_unreadable_records_total\{record="weights",agent="scorer"\} 1/);
  });
});
