export * from "./test-env.js";
export * from "./processes.js";
export * from "./servers.js";
