import { defineConfig } from "vitest/config";

// One run for the whole workspace. Integration tests share one NATS and one Redis,
// each test isolating itself with its own subject and key prefix.
export default defineConfig({
  test: {
    include: ["{libs,services,tools}/*/test/**/*.test.ts"],
    // Long fault runs (minutes each) live behind `npm run test:faults`, which .ci/run also calls.
    exclude: ["**/node_modules/**", "**/dist/**", "**/*.fault.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    maxWorkers: 2,
    reporters: ["default"],
  },
});
