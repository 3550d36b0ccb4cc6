// Module boundaries (issue 11), checked by dependency-cruiser in `npm run lint` and `npm test`.
// The rules come from the Nx project tags in each workspace's package.json ("nx": {"tags": [...]}),
// so tagging a new project is all it takes to put it under them:
//   type:service  imports no other project tagged type:service (source or test, by path or package name);
//   type:decision imports only type:decision projects and no I/O client;
//   the assigner's downstream/ and upstream/ import each other only through protocol/.
const fs = require("node:fs");
const path = require("node:path");

const root = __dirname;
const projects = ["libs", "services", "tools"].flatMap((group) =>
  fs.readdirSync(path.join(root, group), { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(root, group, d.name, "package.json")))
    .map((d) => {
      const pkg = JSON.parse(fs.readFileSync(path.join(root, group, d.name, "package.json"), "utf8"));
      return { dir: `${group}/${d.name}`, tags: pkg.nx?.tags ?? [] };
    }));
const tagged = (tag) => projects.filter((p) => p.tags.includes(tag)).map((p) => p.dir);
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const anyOf = (dirs) => `^(${dirs.map(escape).join("|")})/`;

const services = tagged("type:service");
const decision = tagged("type:decision");
const others = projects.map((p) => p.dir).filter((d) => !decision.includes(d));

/** Network, Redis, NATS, GitLab and LLM clients: decision code must stay pure. */
const ioClients = [
  "(^|/)node_modules/(ioredis|@nats-io/[^/]+|@gitbeaker/[^/]+|@anthropic-ai/sdk|undici)/",
  "^(node:)?(http|https|http2|net|tls|dgram|dns)$",
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...services.map((dir) => ({
      name: "service-imports-another-service",
      comment: `${dir} imports another service; share code through a lib instead`,
      severity: "error",
      from: { path: `^${escape(dir)}/` },
      to: { path: anyOf(services.filter((s) => s !== dir)) },
    })),
    // The assigner's two faces: downstream/ serves its runners as GitLab would, upstream/ speaks to GitLab as a
    // runner. What both need of the runner protocol (routes, headers, statuses, the job payload) is in protocol/.
    ...[["downstream", "upstream"], ["upstream", "downstream"]].map(([from, to]) => ({
      name: `assigner-${from}-imports-${to}`,
      comment: `services/assigner/src/${from} imports ${to}/; share runner-protocol code through protocol/ instead`,
      severity: "error",
      from: { path: `^services/assigner/src/${from}/` },
      to: { path: `^services/assigner/src/${to}/` },
    })),
    {
      name: "decision-imports-io-client",
      comment: "decision code (type:decision) must not import an I/O client",
      severity: "error",
      from: { path: anyOf(decision) },
      to: { path: ioClients },
    },
    {
      name: "decision-imports-non-decision-project",
      comment: "type:decision projects may import only type:decision projects",
      severity: "error",
      from: { path: anyOf(decision) },
      to: { path: anyOf(others) },
    },
  ],
  options: {
    // Sources and tests are cruised (see package.json); a workspace package imported by name resolves
    // through its symlink to <project>/dist, which counts as that project but is not followed.
    doNotFollow: { path: "(^|/)(dist|node_modules)/" },
    tsConfig: { fileName: "tsconfig.lint.json" },
    tsPreCompilationDeps: true,
  },
};
