import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { subjects as buildSubjects } from "@switchyard/contracts";
import { createTestEnv, startOwnNatsCluster, uniquePrefix, waitFor, type TestEnv } from "@switchyard/testing";
import { baseConfigSchema, deleteStream, ensureDeadLetterStream, ensureOutcomeStream, jetstreamConfigShape, loadConfig, ConfigError } from "../src/index.js";

describe("JetStream streams: replica count", () => {
  const schema = baseConfigSchema.extend(jetstreamConfigShape);

  it("defaults to one replica and accepts 1 to 5 only, from env", () => {
    expect(loadConfig(schema, { env: {} }).jetstreamReplicas).toBe(1);
    expect(loadConfig(schema, { env: { SWITCHYARD_JETSTREAM_REPLICAS: "3" } }).jetstreamReplicas).toBe(3);
    for (const bad of ["0", "6", "2.5"]) {
      expect(() => loadConfig(schema, { env: { SWITCHYARD_JETSTREAM_REPLICAS: bad } })).toThrow(ConfigError);
    }
  });

  describe("on the shared single server", () => {
    let env: TestEnv;
    beforeAll(async () => { env = await createTestEnv("streams"); });
    afterAll(async () => {
      await deleteStream(env.nc, env.subjects.outcomeStream);
      await deleteStream(env.nc, env.subjects.deadLetterStream);
      await env.close();
    });

    it("creates the outcome and dead-letter streams R1 and refuses R3 with the server's reason", async () => {
      expect((await ensureOutcomeStream(env.nc, env.subjects)).config.num_replicas).toBe(1);
      const dlq = await ensureDeadLetterStream(env.nc, env.subjects);
      expect(dlq.config).toMatchObject({ subjects: [env.subjects.deadLetterAll], num_replicas: 1 });
      await expect(ensureOutcomeStream(env.nc, env.subjects, { replicas: 3 })).rejects.toThrow(/replicas/i);
    });
  });

  describe("on a three-server cluster started by the test", () => {
    let cluster: Awaited<ReturnType<typeof startOwnNatsCluster>>;
    let nc: NatsConnection;
    const subjects = buildSubjects(uniquePrefix("streamsR3"));
    beforeAll(async () => {
      cluster = await startOwnNatsCluster(3);
      nc = await connect({ servers: cluster.url.split(",") });
    });
    afterAll(async () => {
      await nc?.close();
      await cluster?.close();
    });

    it("creates R3 when configured, raises an existing R1 stream to R3, and never lowers it back", async () => {
      // The JetStream meta leader is elected a moment after the servers accept clients.
      await waitFor(() => ensureDeadLetterStream(nc, subjects, { replicas: 3 }).catch(() => null), { timeoutMs: 20_000, intervalMs: 250, what: "JetStream meta leader" })
        .then((info) => expect(info.config.num_replicas).toBe(3));
      expect((await ensureOutcomeStream(nc, subjects)).config.num_replicas).toBe(1);
      expect((await ensureOutcomeStream(nc, subjects, { replicas: 3 })).config.num_replicas).toBe(3);
      expect((await ensureOutcomeStream(nc, subjects, { replicas: 1 })).config.num_replicas).toBe(3);
    });
  });
});
