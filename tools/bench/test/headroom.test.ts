import { describe, expect, it } from "vitest";
import { mayTakeSlot } from "@switchyard/decision";
import { defaultHeadroomConfig as cfg, reservedSlots } from "../src/policies/headroom.js";

const deep = { totalSlots: 100, waiting: 120, lastTopClassArrivalAt: 0, now: 1000 };

describe("the headroom reservation", () => {
  it("holds back a share of the slots, at least one, when the backlog is deep and the top class was seen", () => {
    expect(reservedSlots(deep, cfg)).toBe(2);
    expect(reservedSlots({ ...deep, totalSlots: 4, waiting: 4 }, cfg)).toBe(1);
  });

  it("holds nothing back with a shallow backlog, no recent top-class job, or a single slot", () => {
    expect(reservedSlots({ ...deep, waiting: 99 }, cfg)).toBe(0);
    expect(reservedSlots({ ...deep, lastTopClassArrivalAt: null }, cfg)).toBe(0);
    expect(reservedSlots({ ...deep, now: cfg.demandWindowMs + 1 }, cfg)).toBe(0);
    expect(reservedSlots({ ...deep, totalSlots: 1, waiting: 10 }, cfg)).toBe(0);
  });

  it("lets only the top class into the held-back slots (libs/decision's rule, as the agents apply it)", () => {
    expect(mayTakeSlot(100, 2, 2, cfg.minWeight)).toBe(true);
    expect(mayTakeSlot(40, 2, 2, cfg.minWeight)).toBe(false);
    expect(mayTakeSlot(40, 3, 2, cfg.minWeight)).toBe(true);
  });
});
