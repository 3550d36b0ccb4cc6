import { defineConfig } from "vitest/config";

// `npm run test:faults`: the long fault runs (brokers killed under load and the like), one file at a
// time so each has the machine to itself. .ci/run calls it after `npm test`; `npm test` excludes them.
export default defineConfig({
  test: {
    include: ["{libs,services,tools}/*/test/**/*.fault.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 1,
    reporters: ["default"],
  },
});
