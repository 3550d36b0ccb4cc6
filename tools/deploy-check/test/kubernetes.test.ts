import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadConfig } from "@switchyard/runtime";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import type { z } from "zod";
import { assignerConfigSchema } from "../../../services/assigner/src/config.js";
import { monitorConfigSchema } from "../../../services/monitor/src/config.js";
import { optimizerConfigSchema } from "../../../services/optimizer/src/config.js";
import { scorerConfigSchema } from "../../../services/scorer/src/config.js";

// Renders deploy/kubernetes (base and every overlay) with `kubectl kustomize`, validates each
// object against the Kubernetes OpenAPI schemas (kubernetes-models), and loads each agent's
// ConfigMap through that agent's own config schema, with the Secret files it would mount.

const root = resolve(import.meta.dirname, "../../..");
const targets = ["base", "overlays/production", "overlays/demo"];
const agents = { assigner: assignerConfigSchema, scorer: scorerConfigSchema, monitor: monitorConfigSchema, optimizer: optimizerConfigSchema } as const;
type Agent = keyof typeof agents;
const SECRET_DIR = "/run/secrets/switchyard";

function findKubectl(): string | undefined {
  for (const candidate of ["/usr/bin/kubectl", "kubectl"]) {
    try {
      execFileSync(candidate, ["version", "--client"], { stdio: "ignore" });
      return candidate;
    } catch { /* next */ }
  }
  return undefined;
}
const kubectl = findKubectl();

// What an operator puts in the production Secrets (docs/OPERATING.md, "Kubernetes"); the demo overlay has its own.
const operatorSecrets: Record<Agent, Record<string, string>> = {
  assigner: {
    "nats-url": "nats://assigner:pw@nats:4222", "redis-url": "redis://:pw@redis-master:6379", "redis-password": "pw",
    "pools.json": '[{"name":"linux","upstreamToken":"glrt-xxxxxxxxxxxxxxxxxxxx"}]',
    "runners.json": '[{"id":"r-001","pool":"linux","token":"syr_xxxxxxxxxxxxxxxxxxxxxxxx"}]',
  },
  scorer: { "nats-url": "nats://scorer:pw@nats:4222", "redis-url": "redis://:pw@redis-master:6379", "redis-password": "pw" },
  monitor: {
    "nats-url": "nats://monitor:pw@nats:4222", "redis-url": "redis://:pw@redis-master:6379", "redis-password": "pw",
    "gitlab-token": "glpat-xxxxxxxxxxxxxxxxxxxx", "dashboard-token": "a-dashboard-token-of-16+",
  },
  optimizer: { "nats-url": "nats://optimizer:pw@nats:4222", "redis-url": "redis://:pw@redis-master:6379", "redis-password": "pw" },
};

interface K8sObject { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; [k: string]: unknown }
/* eslint-disable @typescript-eslint/no-explicit-any */
type Any = any;

function render(target: string): K8sObject[] {
  const text = execFileSync(kubectl as string, ["kustomize", join(root, "deploy/kubernetes", target)], { encoding: "utf8" });
  return parseAllDocuments(text).map((d) => d.toJS() as K8sObject).filter(Boolean);
}

async function schemaErrors(obj: K8sObject): Promise<string | undefined> {
  const mod = (await import(`kubernetes-models/${obj.apiVersion}`)) as Record<string, new (o: unknown) => { validate(): void }>;
  const Model = mod[obj.kind];
  if (!Model) return `${obj.kind} ${obj.metadata.name}: no model for ${obj.apiVersion}`;
  // kustomize writes long Secret data as base64 wrapped over lines; the API server's decoder
  // (Go's encoding/base64) skips the newlines, the schema's "byte" format does not.
  const data = obj.kind === "Secret" && obj.data
    ? Object.fromEntries(Object.entries(obj.data as Record<string, string>).map(([k, v]) => [k, v.replace(/\n/g, "")]))
    : undefined;
  try {
    new Model(data ? { ...obj, data } : obj).validate();
    return undefined;
  } catch (err) {
    return `${obj.kind} ${obj.metadata.name}: ${(err as Error).message}`;
  }
}

const find = (objs: K8sObject[], kind: string, name: string): Any => objs.find((o) => o.kind === kind && o.metadata.name === name);

/** Loads the agent's config as its pod would: ConfigMap file, env, and *_FILE pointing at the Secret's keys. */
function loadAgentConfig(objs: K8sObject[], agent: Agent, deployment: Any): Readonly<z.infer<(typeof agents)[Agent]>> {
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  const volumes = Object.fromEntries(pod.volumes.map((v: Any) => [v.name, v]));
  const mounts = Object.fromEntries(container.volumeMounts.map((m: Any) => [m.mountPath, volumes[m.name]]));
  const dir = mkdtempSync(join(tmpdir(), `deploy-${agent}-`));

  const configMap = find(objs, "ConfigMap", mounts["/config"].configMap.name);
  expect(configMap, `ConfigMap of ${agent}`).toBeDefined();
  const secretName: string = mounts[SECRET_DIR].secret.secretName;
  const secret = find(objs, "Secret", secretName);
  const secretFiles: Record<string, string> = secret
    ? Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v as string, "base64").toString("utf8")]))
    : operatorSecrets[agent];

  const env: Record<string, string> = {};
  for (const e of container.env as { name: string; value: string }[]) {
    if (e.name === "SWITCHYARD_CONFIG") {
      expect(e.value).toBe("/config/agent.yaml");
      env[e.name] = join(dir, "agent.yaml");
      writeFileSync(env[e.name] as string, configMap.data["agent.yaml"]);
    } else if (e.name.endsWith("_FILE") && e.value.startsWith(`${SECRET_DIR}/`)) {
      const key = e.value.slice(SECRET_DIR.length + 1);
      expect(secretFiles, `${agent}: ${e.name} names key ${key} of Secret ${secretName}`).toHaveProperty([key]);
      env[e.name] = join(dir, key);
      writeFileSync(env[e.name] as string, secretFiles[key] as string);
    } else {
      env[e.name] = e.value;
    }
  }
  return loadConfig(agents[agent], { env });
}

/** Whether the rendered NetworkPolicies let pods labelled `from` open `port` on pods labelled `to`, at both ends. */
function flowAllowed(objs: K8sObject[], from: Record<string, string>, to: Record<string, string>, port: number): { egress: boolean; ingress: boolean } {
  const selects = (selector: Any, labels: Record<string, string>) =>
    Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const allowsPort = (rule: Any) => !rule.ports || rule.ports.some((p: Any) => p.port === port);
  const policies = objs.filter((o) => o.kind === "NetworkPolicy") as Any[];
  return {
    egress: policies.some((p) => selects(p.spec.podSelector, from)
      && (p.spec.egress ?? []).some((r: Any) => allowsPort(r) && (r.to ?? []).some((peer: Any) => peer.podSelector && selects(peer.podSelector, to)))),
    ingress: policies.some((p) => selects(p.spec.podSelector, to)
      && (p.spec.ingress ?? []).some((r: Any) => allowsPort(r) && (r.from ?? []).some((peer: Any) => peer.podSelector && selects(peer.podSelector, from)))),
  };
}

describe.skipIf(!kubectl)(`deploy/kubernetes${kubectl ? "" : " (skipped: kubectl not found at /usr/bin/kubectl or on PATH)"}`, () => {
  for (const target of targets) {
    describe(target, () => {
      const objs = kubectl ? render(target) : [];

      it("renders only objects that pass the Kubernetes schemas", async () => {
        expect(objs.length).toBeGreaterThan(20);
        const errors = (await Promise.all(objs.map(schemaErrors))).filter(Boolean);
        expect(errors).toEqual([]);
      });

      it("lets every agent reach NATS, Redis and Redis's Sentinels, at both ends of each flow", () => {
        const agent = { "app.kubernetes.io/name": "switchyard" };
        for (const [to, port] of [[{ "app.kubernetes.io/name": "nats" }, 4222], [{ "app.kubernetes.io/name": "redis" }, 6379], [{ "app.kubernetes.io/name": "redis" }, 26379]] as const) {
          expect(flowAllowed(objs, agent, to, port), `agents → ${to["app.kubernetes.io/name"]}:${port}`).toEqual({ egress: true, ingress: true });
        }
        expect(flowAllowed(objs, agent, { "app.kubernetes.io/name": "redis" }, 6380), "no other port").toEqual({ egress: false, ingress: false });
      });

      it("runs each agent as a hardened Deployment with probes, limits and a disruption budget", () => {
        for (const agent of Object.keys(agents)) {
          const d = find(objs, "Deployment", `switchyard-${agent}`);
          expect(d, `Deployment of ${agent}`).toBeDefined();
          const pod = d.spec.template.spec;
          const c = pod.containers[0];
          expect(pod.securityContext.runAsNonRoot).toBe(true);
          expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
          expect(c.resources.limits.memory).toBe("256Mi");
          expect(c.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "http" });
          expect(c.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "http" });
          expect(pod.volumes.find((v: Any) => v.name === "secrets").secret.secretName).toMatch(new RegExp(`^switchyard-${agent}(-[a-z0-9]{10})?$`));
          const pdb = find(objs, "PodDisruptionBudget", `switchyard-${agent}`);
          expect(pdb.spec.selector.matchLabels).toEqual(d.spec.selector.matchLabels);
        }
        expect(find(objs, "Deployment", "switchyard-assigner").spec.replicas).toBe(2);
        const hpa = find(objs, "HorizontalPodAutoscaler", "switchyard-scorer");
        expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: "switchyard-scorer" });
        expect(find(objs, "Deployment", "switchyard-scorer").spec.replicas, "the HPA owns the scorer's replicas").toBeUndefined();
      });

      it("loads each agent's ConfigMap and Secret files through the agent's own config schema, on the ports the pod declares", () => {
        for (const agent of Object.keys(agents) as Agent[]) {
          const d = find(objs, "Deployment", `switchyard-${agent}`);
          const config = loadAgentConfig(objs, agent, d);
          const ports = Object.fromEntries(d.spec.template.spec.containers[0].ports.map((p: Any) => [p.name, p.containerPort]));
          expect(config.httpHost).toBe("0.0.0.0");
          expect(ports.http, `${agent}: probes and metrics port = config httpPort`).toBe(config.httpPort);
          // Each agent is its own NATS user (deploy/kubernetes/helm-values/nats.yaml).
          expect(config.natsUrl).toMatch(new RegExp(`^nats://${agent}:[^@]+@nats:4222$`));
          expect(config.redisUrl).toMatch(/^redis:\/\/:[^@]+@redis-master:6379$/);
          // Through the chart's Sentinels (helm-values/redis.yaml: master set switchyard, auth.sentinel), with the same password.
          expect(config).toMatchObject({ redisSentinels: "redis:26379", redisSentinelName: "switchyard" });
          expect(config.redisSentinelPassword).toBe(new URL(config.redisUrl).password);
          if (agent === "assigner" || agent === "optimizer") {
            // They create the JetStream streams, on the chart's three-server cluster.
            expect((config as { jetstreamReplicas: number }).jetstreamReplicas, `${agent}: streams R3`).toBe(3);
          }
          if (agent === "assigner") {
            const assigner = config as z.infer<typeof assignerConfigSchema>;
            expect(ports.broker).toBe(assigner.brokerPort);
            expect(assigner.pools.length).toBeGreaterThan(0);
            const service = find(objs, "Service", "switchyard-assigner");
            expect(service.spec.ports).toContainEqual({ name: "broker", port: assigner.brokerPort, targetPort: "broker" });
            expect(service.spec.selector).toEqual(d.spec.selector.matchLabels);
          }
        }
      });
    });
  }
});
