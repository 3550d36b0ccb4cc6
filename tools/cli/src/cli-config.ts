import { z } from "zod";
import { baseConfigSchema } from "@switchyard/runtime";

/** What the CLI needs: where NATS and Redis are, the prefixes, and the broker URL runners use. */
export const cliConfigSchema = baseConfigSchema.pick({ natsUrl: true, redisUrl: true, subjectPrefix: true, keyPrefix: true, logLevel: true }).extend({
  brokerUrl: z.string().default("http://switchyard.example.com:8080").describe("URL downstream runners use for Switchyard"),
  operator: z.string().default(process.env.USER ?? "operator").describe("who approves, recorded with every approval"),
});
export type CliConfig = z.infer<typeof cliConfigSchema>;
