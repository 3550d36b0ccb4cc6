#!/usr/bin/env node
// Converts a GitLab jobs export to the bench's trace CSV:
//   node tools/bench/dist/convert-gitlab-jobs.js jobs.json [--default-branch main] [--protected release/*regex*] > trace.csv
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { convertGitlabJobs } from "./convert/gitlab-jobs.js";
import { traceToCsv } from "./trace/parse-trace.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { "default-branch": { type: "string", default: "main" }, protected: { type: "string", multiple: true, default: [] }, project: { type: "string" } },
});
if (positionals.length === 0) {
  console.error("usage: convert-gitlab-jobs <jobs.json>... [--default-branch main] [--protected <ref|/regex/>]... [--project label] > trace.csv");
  process.exit(2);
}
const pages = positionals.map((p) => JSON.parse(readFileSync(p, "utf8")) as unknown);
const { jobs, skipped } = convertGitlabJobs(pages, {
  defaultBranch: values["default-branch"], protectedRefs: values.protected, ...(values.project ? { project: values.project } : {}),
});
process.stdout.write(traceToCsv(jobs));
console.error(`converted ${jobs.length} jobs, skipped ${skipped.length}`);
