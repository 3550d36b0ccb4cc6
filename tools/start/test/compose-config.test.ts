import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { writeComposeConfig } from "../src/compose-config.js";

const COMMITTED = resolve(import.meta.dirname, "../../../deploy/compose/config");

describe("deploy/compose/config", () => {
  it("is what the demo's own config code writes today (regenerate: node tools/start/dist/write-compose-config.js)", () => {
    const fresh = mkdtempSync(join(tmpdir(), "compose-config-"));
    writeComposeConfig(fresh);
    const files = readdirSync(fresh).sort();
    expect(readdirSync(COMMITTED).sort()).toEqual(files);
    for (const file of files) expect(readFileSync(join(COMMITTED, file), "utf8"), file).toBe(readFileSync(join(fresh, file), "utf8"));
  });
});
