import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";

// deploy/kubernetes/prometheus/scrape-configs.yml against the production overlay as rendered:
// Prometheus's pod discovery yields one target per container port; the relabel rules are applied
// here as Prometheus applies them, so every agent must come out as job=<agent> on port 9400, and
// nothing else at all. (Debian's promtool is built without Kubernetes discovery, so it cannot
// check this file.)

const root = resolve(import.meta.dirname, "../../..");
const kubectl = ["/usr/bin/kubectl", "kubectl"].find((c) => spawnSync(c, ["version", "--client"], { stdio: "ignore" }).status === 0);

interface Relabel { source_labels?: string[]; separator?: string; regex?: string; action?: string; target_label?: string; replacement?: string }
interface ScrapeConfig { job_name: string; kubernetes_sd_configs?: { role: string; namespaces?: { names: string[] } }[]; relabel_configs?: Relabel[] }
const config = parse(readFileSync(join(root, "deploy/kubernetes/prometheus/scrape-configs.yml"), "utf8")) as { scrape_configs: ScrapeConfig[] };

/** Applies relabel rules (keep, drop, replace) as Prometheus does; null = target dropped. */
function relabel(labels: Record<string, string>, rules: Relabel[]): Record<string, string> | null {
  let out: Record<string, string> = { ...labels };
  for (const rule of rules) {
    const value = (rule.source_labels ?? []).map((l) => out[l] ?? "").join(rule.separator ?? ";");
    const regex = new RegExp(`^(?:${rule.regex ?? "(.*)"})$`);
    const match = regex.exec(value);
    const action = rule.action ?? "replace";
    if (action === "keep" && !match) return null;
    if (action === "drop" && match) return null;
    if (action === "replace" && match && rule.target_label) {
      const replaced = (rule.replacement ?? "$1").replace(/\$\{?(\d+)\}?/g, (_all, i: string) => match[Number(i)] ?? "");
      out = { ...out, [rule.target_label]: replaced };
    }
  }
  return out;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
/** What pod discovery gives for each container port of each Deployment's pod template. */
function podTargets(objs: any[]): { deployment: string; labels: Record<string, string> }[] {
  const sanitise = (name: string) => name.replace(/[^a-zA-Z0-9_]/g, "_");
  return objs.filter((o) => o.kind === "Deployment").flatMap((d) => {
    const pod = d.spec.template;
    const podLabels = Object.fromEntries(Object.entries(pod.metadata.labels ?? {}).map(([k, v]) => [`__meta_kubernetes_pod_label_${sanitise(k)}`, String(v)]));
    return pod.spec.containers.flatMap((c: any) => (c.ports ?? []).map((p: any) => ({
      deployment: d.metadata.name as string,
      labels: {
        ...podLabels, __meta_kubernetes_namespace: d.metadata.namespace, __meta_kubernetes_pod_name: `${d.metadata.name}-abc12`,
        __meta_kubernetes_pod_container_port_name: p.name ?? "", __address__: `10.0.0.1:${p.containerPort}`,
      },
    })));
  });
}

describe.skipIf(!kubectl)(`Prometheus scrape jobs for deploy/kubernetes${kubectl ? "" : " (skipped: kubectl not found)"}`, () => {
  it("scrapes each agent of the production overlay on 9400 as job <agent>, and nothing else", () => {
    const text = spawnSync(kubectl as string, ["kustomize", join(root, "deploy/kubernetes/overlays/production")], { encoding: "utf8" }).stdout;
    const objs = parseAllDocuments(text).map((d) => d.toJS()).filter(Boolean);
    const job = config.scrape_configs.find((s) => s.job_name === "switchyard")!;
    const namespaces = job.kubernetes_sd_configs?.[0]?.namespaces?.names ?? [];
    const kept = podTargets(objs)
      .filter((t) => namespaces.includes(t.labels.__meta_kubernetes_namespace ?? ""))
      .map((t) => ({ deployment: t.deployment, labels: relabel(t.labels, job.relabel_configs ?? []) }))
      .filter((t) => t.labels !== null);
    expect(kept.map((t) => [t.deployment, t.labels?.job, t.labels?.__address__]).sort()).toEqual([
      ["switchyard-assigner", "assigner", "10.0.0.1:9400"],
      ["switchyard-monitor", "monitor", "10.0.0.1:9400"],
      ["switchyard-optimizer", "optimizer", "10.0.0.1:9400"],
      ["switchyard-scorer", "scorer", "10.0.0.1:9400"],
    ]);
  });

  it("drops a pod that is not Switchyard's and a Switchyard port that is not the metrics port", () => {
    const rules = config.scrape_configs.find((s) => s.job_name === "switchyard")?.relabel_configs ?? [];
    const pod = { __meta_kubernetes_pod_label_app_kubernetes_io_name: "switchyard", __meta_kubernetes_pod_label_app_kubernetes_io_component: "assigner" };
    expect(relabel({ ...pod, __meta_kubernetes_pod_container_port_name: "http" }, rules)?.job).toBe("assigner");
    expect(relabel({ ...pod, __meta_kubernetes_pod_container_port_name: "broker" }, rules)).toBeNull();
    expect(relabel({ ...pod, __meta_kubernetes_pod_label_app_kubernetes_io_name: "nats", __meta_kubernetes_pod_container_port_name: "http" }, rules)).toBeNull();
  });
});
