export * from "./subjects.js";
export * from "./common.js";
export * from "./payloads.js";
export * from "./contract.js";
export * from "./runner-features.js";
export * from "./nats-permissions.js";
