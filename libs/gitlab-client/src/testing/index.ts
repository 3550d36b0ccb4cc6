export * from "./fixture-gitlab.js";
