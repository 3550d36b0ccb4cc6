import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { CHROMIUM, HAVE_CHROMIUM, launchHeadlessChromium } from "@switchyard/testing/browser";

const IN_CI = process.env.CI === "true";
const SCREENSHOT = fileURLToPath(new URL("../../../docs/what-if-report.png", import.meta.url));
const DEMO = resolve(import.meta.dirname, "../dist/what-if-demo.js");

if (!HAVE_CHROMIUM && !IN_CI) console.warn(`what-if browser test SKIPPED: ${CHROMIUM} is missing (apt-get install -y chromium); it never skips when CI=true`);

describe.skipIf(!HAVE_CHROMIUM && !IN_CI)("the what-if report in a real browser", () => {
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    if (!HAVE_CHROMIUM) throw new Error(`CI=true but ${CHROMIUM} is missing: install Debian's chromium`);
    dir = mkdtempSync(join(tmpdir(), "what-if-browser-"));
    browser = await launchHeadlessChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("`npm run what-if:demo` writes a report that opens from a file with every network request refused and shows the tables and the CDF", async () => {
    const out = join(dir, "report.html");
    // The README's demo: the command against the simulated GitLab with five working days of history.
    const code = await new Promise<number>((done) => execFile(process.execPath, [DEMO, "--out", out],
      { env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" } }, (err) => done(err ? 1 : 0)));
    expect(code).toBe(0);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, offline: true });
    const requests: string[] = [];
    await context.route("**/*", (route) => {
      if (route.request().url().startsWith("file:")) return route.continue();
      requests.push(route.request().url());
      return route.abort();
    });
    const page = await context.newPage();
    await page.goto(pathToFileURL(out).href);
    expect(requests).toEqual([]);
    expect(await page.locator("h2").allTextContents()).toEqual([
      "Wait until a runner starts the job, all jobs", "p95 / mean wait per class", "Wait CDF per class", "Classes found", "Fleet replayed", "Caveats: what the replay assumes",
    ]);
    const svg = await page.locator("svg").boundingBox();
    expect(svg!.width).toBeGreaterThan(600);
    expect(await page.locator("table").first().locator("tbody tr").allTextContents()).toHaveLength(5);
    if (process.env.SWITCHYARD_SCREENSHOT === "1") await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await context.close();
  }, 60_000);
});
