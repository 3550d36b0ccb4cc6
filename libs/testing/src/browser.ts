import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

/** Debian's chromium, which browser tests drive through playwright-core (no downloaded browser). */
export const CHROMIUM = "/usr/bin/chromium";

/** Whether browser tests can run here; under CI=true they must, so a missing chromium is an error there, not a skip. */
export const HAVE_CHROMIUM = existsSync(CHROMIUM);

/** Launches headless Chromium with nothing of its own on the network (no updates, sync or QUIC probes). */
export function launchHeadlessChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}
